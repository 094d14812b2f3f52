"""The Similar schools page's pieces, one job a module:

- common.py: the chosen school (`Choice`), limits, colours, source lines, the context table;
- link.py: the choice to and from plain strings (URL and story references), bad values
  reported, never raised;
- widgets.py: the school finder, family size, pool and features;
- family.py: who is in the family and why; outcomes.py: how the school compares on each
  outcome, and who does best for disadvantaged pupils; odds.py: results against the ones
  expected from context; method.py: data notes and the method;
- references.py: every view rebuilt from a reference (registered with components/views.py
  when this package is imported, so a story can redraw a chart before the page is opened).
"""

from components.similar import references

__all__ = ["references"]
