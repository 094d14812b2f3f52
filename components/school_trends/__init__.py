"""The School trends page's pieces, one job a module:

- picker.py: the school picker, kept in the URL (components/urlstate.py);
- school.py: one school's results over time beside its LA and England, and its table;
- movers.py: the LA's schools whose disadvantaged pupils moved most between two years;
- area.py: the area's results by pupil group, when no school files are loaded;
- references.py: every view rebuilt from a reference (registered with components/views.py
  when this package is imported).
"""

from components.school_trends import references

__all__ = ["references"]
