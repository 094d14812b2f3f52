"""The School trends page's pieces, one job a module:

- picker.py: the school picker, kept in the URL (components/urlstate.py), opening on the
  area's school with the longest census and destinations series;
- intake.py: one school's % ever-FSM and % FSM over the censuses and its disadvantaged and
  other pupils' sustained destinations over the KS4 cohorts, beside its LA and England;
- intake_movers.py: the area's schools whose % ever-FSM or disadvantaged pupils'
  destinations moved most;
- school.py: one school's results over time beside its LA and England, and its table;
- movers.py: the LA's schools whose disadvantaged pupils moved most between two years;
- area.py: the area's results by pupil group, when no school files are loaded;
- references.py: every view rebuilt from a reference (registered with components/views.py
  when this package is imported).
"""

from components.school_trends import references

__all__ = ["references"]
