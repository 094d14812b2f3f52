"""View references: how any chart is rebuilt from a few plain strings.

A story slide, a shared link and an export all hold a *view reference*, never data:

    {"v": "overview-ks4_attainment8", "la": "352", "phase": "secondary",
     "group": "disadvantaged", "year": "2018/19"}

"v" is the ChartView's id, la/phase/group/year the global filters, any other key a view
option (for example a school's URN). Each page's component module registers one builder
for its ids, with one line at the bottom of the module:

    views.register("gaps-", gap_views)  # in components/gaps/references.py

`gap_views(filters: Filters, options: Mapping[str, str]) -> list[ChartView]` returns the
page's views for those filters, the same function the page renders from. Rules that keep a
reference enough to redraw the chart:
- view ids start with the module's or package's name and a dash ("gaps-..." for
  components/gaps/, whose __init__ imports the module that registers): a story can then
  import it before its page has been opened in this session;
- anything else a chart depends on (a chosen school, a measure picker) is an option: set
  `ChartView(options=(("urn", urn),))` on the page and read `options["urn"]` in the builder;
- options arrive from URLs: validate them and raise `ViewError` with a reason when bad;
- never hard-code font sizes in a chart: presentation mode restyles the chart's config;
- build each chart through `views.chart(make, *args)`: on a page that is `make(*args)`, but
  while a story or link rebuilds a page's views (`page_views`, `build`) the chart is made
  only when first used (presented, exported), so listing a story's slides draws nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final, cast

from components import chart_view, data
from components.filters import Filters, selection
from components.theme import PRESENTATION_FONT, vega_config
from equity.schema import (
    FILTER_PUPIL_GROUPS,
    GM_GROUP_CODE,
    PHASE_LABELS,
)

if TYPE_CHECKING:  # Altair is imported where a chart is built (cold start, issue 16)
    from components.charts import AnyChart

Builder = Callable[[Filters, Mapping[str, str]], list["chart_view.ChartView"]]
FILTER_KEYS: Final = ("la", "phase", "group", "year")
_BUILDERS: dict[str, Builder] = {}
_MODULE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_tried: set[str] = set()


class ViewError(ValueError):
    """A view reference that cannot be drawn here; the message says why, for the reader."""


#: True while a story or link rebuilds views (page_views, build): charts are then deferred.
_DEFER: ContextVar[bool] = ContextVar("equity_defer_charts", default=False)


class DeferredChart:
    """An Altair chart made on first use; every attribute is the made chart's.

    A story lists every slide's title and takeaway but draws one chart at a time, and a
    map's static twin is drawn only for an export or a slide: neither should pay for
    building charts nobody looks at.
    """

    #: Attributes of the wrapper itself (a subclass adds its own): never the chart's.
    _OWN: frozenset[str] = frozenset({"_make", "_chart", "_write_spec", "_page_spec"})

    def __init__(self, make: Callable[..., AnyChart], *args: Any, **kwargs: Any) -> None:
        self._make: Callable[[], AnyChart] | None = lambda: make(*args, **kwargs)
        self._chart: AnyChart | None = None

    def built(self) -> AnyChart:
        if self._chart is None:
            assert self._make is not None
            self._chart, self._make = self._make(), None
        return self._chart

    def __getattr__(self, name: str) -> Any:
        if name in self._OWN:  # not set yet (copying, unpickling)
            raise AttributeError(name)
        return getattr(self.built(), name)


def chart(make: Callable[..., AnyChart], *args: Any, **kwargs: Any) -> AnyChart:
    """`make(*args, **kwargs)`: now on a page, on first use while views are rebuilt for a
    story or a link (see `page_views`, `build`)."""
    if _DEFER.get():
        return lazy(make, *args, **kwargs)
    return make(*args, **kwargs)


def lazy(make: Callable[..., AnyChart], *args: Any, **kwargs: Any) -> AnyChart:
    """`make(*args, **kwargs)` on first use, always (charts never drawn on the page itself,
    such as a map's static twin)."""
    return cast("AnyChart", DeferredChart(make, *args, **kwargs))


def built(chart: AnyChart) -> AnyChart:
    """The real chart behind a deferred one (for code that checks the chart's type)."""
    return chart.built() if isinstance(chart, DeferredChart) else chart


def _deferring(builder: Builder, filters: Filters, options: Mapping[str, str]) -> list[Any]:
    token = _DEFER.set(True)
    try:
        return builder(filters, options)
    finally:
        _DEFER.reset(token)


def register(prefix: str, builder: Builder) -> None:
    """Make every view whose id starts with `prefix` rebuildable from its reference."""
    if not prefix or not _MODULE.match(prefix.split("-", 1)[0]):
        raise ValueError(f"a view prefix starts with its module's name, not {prefix!r}")
    _BUILDERS[prefix] = builder


def prefix_of(view_id: str) -> str | None:
    """The registered prefix for a view id (longest match), importing its module if needed."""
    found = _longest(view_id)
    if found is None:
        module = view_id.split("-", 1)[0]
        if module not in _tried and _MODULE.match(module):
            _tried.add(module)
            if importlib.util.find_spec(f"components.{module}") is not None:
                importlib.import_module(f"components.{module}")
                found = _longest(view_id)
    return found


def _longest(view_id: str) -> str | None:
    matches = [p for p in _BUILDERS if view_id.startswith(p)]
    return max(matches, key=len) if matches else None


def filters_from(ref: Mapping[str, str]) -> Filters:
    """The global filters a reference names, checked against what the store holds."""
    missing = [key for key in FILTER_KEYS if not ref.get(key)]
    if missing:
        raise ViewError(f"the view has no {', '.join(missing)}")
    la_code, phase, group, year = (str(ref[key]) for key in FILTER_KEYS)
    version = data.store_version()
    names = dict(data.la_catalogue(version).select("la_code", "name").iter_rows())
    if la_code != GM_GROUP_CODE and la_code not in names:
        raise ViewError(f"there is no local authority with code {la_code[:12]!r} in the data")
    if phase not in PHASE_LABELS:
        raise ViewError(f"unknown phase {phase[:20]!r}: use {' or '.join(PHASE_LABELS)}")
    if group not in FILTER_PUPIL_GROUPS:
        raise ViewError(f"unknown pupil group {group[:20]!r}")
    if year not in data.years_available(version, None):
        raise ViewError(f"no data for the academic year {year[:12]!r} is loaded")
    return selection(la_code, phase, group, year, names.get(la_code, la_code))


def options_of(ref: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in ref.items() if k != "v" and k not in FILTER_KEYS}


def page_views(prefix: str, filters: Filters) -> list[chart_view.ChartView]:
    """All views a page draws for these filters (default options), each with its reference."""
    found = prefix_of(prefix)  # imports the page's module if no session has run it yet
    builder = _BUILDERS.get(found) if found else None
    if builder is None:
        raise ViewError(f"no page registers views starting {prefix!r}")
    return [replace(v, filters=filters) for v in _deferring(builder, filters, {})]


def build(ref: Mapping[str, str]) -> chart_view.ChartView:
    """The view a reference names, rebuilt from the store; ViewError if it cannot be."""
    view_id = str(ref.get("v", ""))
    prefix = prefix_of(view_id)
    if prefix is None:
        raise ViewError(
            f"the chart '{view_id[:64]}' comes from a page that cannot redraw its charts yet"
        )
    selection = filters_from(ref)
    options = options_of(ref)
    for view in _deferring(_BUILDERS[prefix], selection, options):
        if view.view_id == view_id:
            return replace(view, filters=selection, options=tuple(options.items()))
    raise ViewError(
        f"the chart '{view_id[:64]}' is not drawn for {selection.la_label}, "
        f"{selection.phase}, {selection.year}"
    )


def present(view: chart_view.ChartView, *, keep_title: bool = True) -> chart_view.ChartView:
    """The same chart in presentation type (theme.vega_config(presentation=True)), readable
    on a projector at 1920x1080; the slide shows the title itself unless `keep_title`."""
    import altair as alt

    from components.charts import LABEL_SIZE

    chart = built(view.chart).copy(deep=False)
    config: dict[str, Any] = chart.config.to_dict() if chart.config is not alt.Undefined else {}
    large = vega_config(presentation=True)
    for part in ("title", "axis", "legend", "header", "text"):
        config[part] = {**config.get(part, {}), **large[part]}
    for part in ("axis", "legend"):  # long area names stay whole at the larger size
        config[part]["labelLimit"] = max(640, int(config[part].get("labelLimit", 0)))
    chart.config = alt.Config.from_dict(config)
    params: list[Any] = [] if chart.params is alt.Undefined else list(cast(Any, chart.params))
    if any(getattr(p, "name", None) == LABEL_SIZE for p in params):
        # Bar value labels at slide size, still capped by their bar's height (charts.group_bars)
        chart.params = [
            alt.VariableParameter(name=LABEL_SIZE, value=PRESENTATION_FONT)
            if getattr(p, "name", None) == LABEL_SIZE
            else p
            for p in params
        ]
    if not keep_title:
        chart.title = alt.Undefined
    return replace(view, chart=chart)
