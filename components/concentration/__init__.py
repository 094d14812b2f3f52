"""The Concentration page's pieces, one job a module:

- common.py: sources, the share shown for the pupil group, the page's data (`PageData`,
  with the census shown: the year filter's, else the nearest);
- notes.py: the introduction, the nearest-census notice and its switch button, the counting
  basis, the headline tiles and "About these indices";
- trend.py: the indices over the censuses (area, comparators, England LA median, breaks)
  and every LA ranked by its change against the year-to-year noise;
- school_years.py: each school's % ever-FSM over the censuses and the movers list;
- spread.py: the LA comparison, the concentration curve, the spread of school shares;
- school_map.py and choropleth.py: the two maps (drawn by components/maps.py);
- references.py: every view rebuilt from a reference (registered with components/views.py
  when this package is imported).
"""

from components.concentration import references

__all__ = ["references"]
