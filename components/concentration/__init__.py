"""The Concentration page's pieces, one job a module:

- common.py: sources, the share shown for the pupil group, the page's data (`PageData`);
- notes.py: the introduction, the counting basis, the headline and what the indices mean;
- spread.py: the LA comparison, the concentration curve, the spread of school shares;
- school_map.py and choropleth.py: the two maps (drawn by components/maps.py);
- references.py: every view rebuilt from a reference (registered with components/views.py
  when this package is imported).
"""

from components.concentration import references

__all__ = ["references"]
