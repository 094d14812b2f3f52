"""The Attainment gaps page's pieces, one section a module:

- headline.py: the year's figures and the gap two ways for the area, or why there are none;
- two_ways.py, ranking.py, trend.py, schools.py: the page's four charts, each a `*_view`
  returning a ChartView (or the sentence saying why there is nothing to draw), its takeaway
  and its Altair chart;
- references.py: every view rebuilt from a reference (registered with components/views.py
  when this package is imported).

Shared words (measure labels, number formats, source lines) are in components/text.py, the
measure picker in components/widgets.py: other pages use those, never this package.
"""

from components.gaps import references

__all__ = ["references"]
