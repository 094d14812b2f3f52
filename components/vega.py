"""Altair charts drawn from the Vega-Lite JSON they compile to, with no schema check per rerun.

Why: `st.altair_chart` calls `chart.to_dict()`, which validates the whole spec against
Vega-Lite's JSON schema with jsonschema on every rerun: 30-50% of a page's rerun at national
scale (measured 2026-12-06: Gaps 305 -> 194 ms, School trends 661 -> 341 ms in AppTest).
Our specs come from a fixed set of builders, so they are validated where a mistake would be
caught, in the tests (tests/pages/test_vega_specs.py validates every chart on every page and
section), and served here as plain JSON.

The JSON is what `to_dict(validate=False)` gives, written in one walk over the chart
(`spec`): Altair's own route re-runs each layered chart's constructor for every copy it
makes (a shallow copy of a LayerChart deep-copies every layer, twice), which was 60% of
serialising a chart. The walk mirrors Altair 6.3's `to_dict` step by step (TopLevelMixin,
Chart, SchemaBase, the channel mixins, `_todict`) and hands anything else to Altair;
tests/pages/test_vega_specs.py checks that it gives the same dict as Altair's route for
every chart on every page and section.

The data go as Streamlit sends them for `st.altair_chart`: each frame as Arrow bytes under a
content-hash name in `datasets` (Altair's own inline path converts frames to JSON records
through pandas, which costs more than the check we drop, and caps them at 5,000 rows).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
import sys
from typing import Any, Literal, cast

import altair as alt
import polars as pl
import streamlit as st
from altair.utils import core as alt_core
from altair.utils import schemapi
from altair.vegalite.v6 import api as alt_api
from altair.vegalite.v6.schema import SCHEMA_URL, channels
from streamlit import dataframe_util

from components import vega_arrow
from components.charts import COMPILED, KEEP_COMPILED, AnyChart

_Undefined = alt.Undefined
_SchemaBase = schemapi.SchemaBase
_BASE_TO_DICT = schemapi.SchemaBase.to_dict
_FIELD_TO_DICT = channels.FieldChannelMixin.to_dict
_VALUE_TO_DICT = channels.ValueChannelMixin.to_dict
_DATUM_TO_DICT = channels.DatumChannelMixin.to_dict
_CHART_TO_DICT = alt.Chart.to_dict
_TOP_TO_DICT = alt_api.TopLevelMixin.to_dict
#: Values `_todict` returns as they are (exact types: a numpy float is a float subclass).
_SCALARS = frozenset({str, int, float, bool, type(None)})
#: Keys SchemaBase.to_dict leaves out.
_EXCLUDED = frozenset({"shorthand", "_cached_hash"})


def spec(chart: AnyChart) -> dict[str, Any]:
    """The chart's Vega-Lite spec, its data frames as Arrow bytes under `datasets` (the
    chart itself is not changed: exports and stories compile it again)."""
    if not isinstance(chart, _SchemaBase):  # a deferred chart (components.views)
        chart = chart.built()
    frames: dict[str, bytes] = {}
    compiled = _Walk(frames).top_level(chart, {})
    if frames:
        compiled["datasets"] = {**compiled.get("datasets", {}), **frames}
    return compiled


def draw(
    chart: AnyChart, *, height: int | Literal["stretch", "content"] = "content", alt_text: str
) -> None:
    """Draw the chart at the page's width (our theme, not Streamlit's), named by `alt_text`."""
    # Rows inline in the spec (charts.values) as Arrow written by polars: Streamlit would
    # convert them through pandas, the largest import on a cold start's way to the first
    # chart (components/vega_arrow.py).
    st.vega_lite_chart(
        spec=vega_arrow.with_arrow_datasets(spec(chart)),
        theme=None,
        width="stretch",
        height=height,
        alt=alt_text,
    )


def frame_payload(data: Any) -> bytes:
    """A chart's data frame as the Arrow bytes the browser gets for it: a polars frame
    written by polars (the bytes Streamlit's polars route would write, without its
    pyarrow), anything else (a pandas frame) through Streamlit's route."""
    if isinstance(data, pl.DataFrame):
        return vega_arrow.frame_bytes(data)
    return dataframe_util.convert_anything_to_arrow_bytes(data)


class _Walk:
    """One chart's serialisation: Altair's `to_dict(validate=False)` without its copies,
    each data frame replaced by a named dataset whose Arrow bytes go in `frames`."""

    def __init__(self, frames: dict[str, bytes]) -> None:
        self.frames = frames
        #: Names of the frames and inline rows met so far, by identity (the chart being
        #: serialised keeps them alive).
        self.names: dict[int, str] = {}
        # As SchemaBase.to_dict: numpy and pandas values are converted only when those
        # modules are loaded (nothing in a spec can be of their types otherwise).
        self.np = sys.modules.get("numpy")
        self.pd = sys.modules.get("pandas")

    def top_level(self, chart: Any, context: dict[str, Any]) -> dict[str, Any]:
        """TopLevelMixin.to_dict (and Chart.to_dict's empty data for a lone datum chart);
        for a layer marked by `keep_compiled`, its JSON as walked the first time."""
        state = getattr(chart, "__dict__", {})
        if not state.get(KEEP_COMPILED) or context.get("top_level", True):
            return self._top_level(chart, context)
        kept = state.get(COMPILED)
        if kept is not None:
            result, frames = kept
            self.frames.update(frames)
            return cast(dict[str, Any], _json_copy(result))
        frames_before, datasets_before = set(self.frames), len(context.get("datasets", {}))
        result = self._top_level(chart, context)
        if len(context.get("datasets", {})) == datasets_before:  # no inline rows moved up
            added = {name: self.frames[name] for name in self.frames.keys() - frames_before}
            state[COMPILED] = (_json_copy(result), added)
        return result

    def _top_level(self, chart: Any, context: dict[str, Any]) -> dict[str, Any]:
        kwds: dict[str, Any] = dict(chart._kwds)
        if (
            type(chart).to_dict is _CHART_TO_DICT
            and kwds.get("data", _Undefined) is _Undefined
            and "data" not in context
        ):
            kwds["data"] = alt.InlineData(values=[{}])
        context = context.copy()
        context.setdefault("datasets", {})
        is_top_level = context.get("top_level", True)
        original = kwds.get("data", _Undefined)
        if original is not _Undefined:
            if hasattr(original, "columns") and hasattr(original, "shape"):  # a frame
                original = alt.NamedData(name=self.frame_name(original))
            data: Any = original
            if isinstance(original, dict | alt.Data):
                # Inline rows or a named dataset: what narwhals refuses and _prepare_data
                # only consolidates (its two narwhals look-ups were a fifth of the walk).
                kwds["data"] = original
                if alt.data_transformers.consolidate_datasets:
                    kwds["data"] = self.consolidated(original, context)
            else:
                try:
                    data = alt_api.nw.from_native(original, eager_or_interchange_only=True)
                except TypeError:
                    data = original
                kwds["data"] = alt_api._prepare_data(data, context)
            context["data"] = data
        context["top_level"] = False
        result = self.base(kwds, dict(context, pre_transform=False))
        if is_top_level:
            if "$schema" not in result:
                result["$schema"] = SCHEMA_URL
            theme = alt.theme.get()
            assert theme is not None  # components.theme registers and enables ours
            # update_nested(theme(), result, copy=True), its deepcopy of the theme's JSON
            # done as a JSON copy (the deepcopy was a tenth of the walk).
            result = cast(dict[str, Any], alt_core.update_nested(_json_copy(theme()), result))
            if context["datasets"]:
                result.setdefault("datasets", {}).update(context["datasets"])
        return result

    def frame_name(self, frame: Any) -> str:
        """The dataset name of a chart's frame, its Arrow bytes put in `frames` (once per
        frame: a trend chart's layers share two frames among a dozen layers)."""
        name = self.names.get(id(frame))
        if name is None:
            payload = frame_payload(frame)
            name = "data-" + hashlib.sha256(payload).hexdigest()[:32]
            self.frames[name] = payload
            self.names[id(frame)] = name
        return name

    def consolidated(self, data: Any, context: dict[str, Any]) -> Any:
        """altair's _consolidate_data: inline rows moved to the top-level datasets under
        their content hash, the hash worked out once per list of rows (layers share them)."""
        if not (isinstance(data, dict) and "name" not in data and "values" in data):
            return alt_api._consolidate_data(data, context)
        values = data["values"]
        name = self.names.get(id(values))
        if name is None:
            name = self.names[id(values)] = alt_api._dataset_name(values)
        named = alt.NamedData(name=name, **{k: v for k, v in data.items() if k != "values"})
        context.setdefault("datasets", {})[name] = values
        return named

    def base(self, kwds: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
        """SchemaBase.to_dict of an object with these properties (no positional value)."""
        if parsed := context.pop("parsed_shorthand", None):
            kwds = schemapi._replace_parsed_shorthand(parsed, dict(kwds))
        # One pass over the properties (an Altair object holds every property its schema
        # has, most of them Undefined): leave out the excluded and the Undefined, write a
        # mark given by name as {"type": name}.
        result = {}
        for key, value in kwds.items():
            if value is _Undefined or key in _EXCLUDED:
                continue
            if key == "mark" and value and isinstance(value, str):
                value = {"type": value}
            result[key] = self.value(value, context)
        return result

    def schema(self, obj: Any, context: dict[str, Any]) -> Any:
        """`obj.to_dict(validate=False, context=context)` for a SchemaBase object."""
        to_dict = type(obj).to_dict
        if to_dict is _CHART_TO_DICT or to_dict is _TOP_TO_DICT:
            return self.top_level(obj, context)
        if to_dict is _FIELD_TO_DICT:
            return self.field(obj, context or {})
        if (
            to_dict is _BASE_TO_DICT
            or to_dict is _DATUM_TO_DICT
            or (to_dict is _VALUE_TO_DICT and obj._get("condition") is _Undefined)
        ):
            context = context or {}
            if obj._args and not obj._kwds:
                return self.value(obj._args[0], context)
            if obj._args:
                return obj.to_dict(validate=False, context=context)  # Altair's error
            return self.base(obj._kwds, context)
        return obj.to_dict(validate=False, context=context)

    def field(self, obj: Any, context: dict[str, Any]) -> Any:
        """FieldChannelMixin.to_dict: the shorthand ("value:Q") parsed into its parts."""
        shorthand = obj._get("shorthand")
        if shorthand is _Undefined and not obj._args:
            context["parsed_shorthand"] = {}
            return self.base(obj._kwds, context)
        if not isinstance(shorthand, str) or obj._args:
            return obj.to_dict(validate=False, context=context)
        parsed = _parse_shorthand(shorthand, context.get("data"))
        if "type" not in obj._kwds:
            parsed.pop("type", None)  # a secondary channel (x2): no type
        elif "type" not in parsed and obj._get("type") is _Undefined:
            return obj.to_dict(validate=False, context=context)  # Altair's error
        if obj._get("field") is not _Undefined:
            return obj.to_dict(validate=False, context=context)  # Altair's error
        context["parsed_shorthand"] = parsed
        return self.base(obj._kwds, context)

    def value(self, obj: Any, context: dict[str, Any]) -> Any:
        """altair.utils.schemapi._todict, with SchemaBase objects walked here."""
        if type(obj) in _SCALARS:
            return obj
        np = self.np
        if np is not None:
            if isinstance(obj, np.ndarray):
                return [self.value(v, context) for v in obj]
            if isinstance(obj, np.number):
                return float(obj)
            if isinstance(obj, np.datetime64):
                return schemapi._todict(obj, context, np, self.pd)
        if isinstance(obj, _SchemaBase):
            return self.schema(obj, context)
        if isinstance(obj, list | tuple):
            return [self.value(v, context) for v in obj]
        if isinstance(obj, dict):
            return {k: self.value(v, context) for k, v in obj.items() if v is not _Undefined}
        if isinstance(obj, schemapi.SchemaLike):
            return obj.to_dict()
        if self.pd is not None and isinstance(obj, self.pd.Timestamp):
            return self.pd.Timestamp(obj).isoformat()
        if schemapi._is_iterable(obj, exclude=(str, bytes)):
            return self.value(schemapi._from_array_like(obj), context)
        if isinstance(obj, dt.date):
            return schemapi._from_date_datetime(obj)
        return obj


def _json_copy(value: Any) -> Any:
    """copy.deepcopy of JSON (dicts, lists, scalars); anything else by deepcopy itself."""
    if type(value) is dict:
        return {k: _json_copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_json_copy(v) for v in value]
    if type(value) in _SCALARS:
        return value
    return copy.deepcopy(value)


#: Shorthands whose parse does not depend on the data (the type is written in them).
_PARSED: dict[str, dict[str, Any]] = {}
#: "field:T", the form nearly every channel here takes: a field with no aggregate, time unit
#: or colon of its own, and one of Altair's type names or codes. Altair parses it to the
#: same two keys, but only after compiling and trying its seven other patterns first (some
#: 13 ms of a process's first chart, on the first visit to a page).
_TYPED_FIELD = re.compile(
    r"\A(?P<field>[^:()\\]+):(?P<type>quantitative|ordinal|nominal|temporal|geojson|Q|O|N|T|G)\Z",
    re.DOTALL,
)


def _parse_shorthand(shorthand: str, data: Any) -> dict[str, Any]:
    """altair.utils.parse_shorthand(shorthand, data), remembered for shorthands that carry
    their type (a few dozen in the app; the regex parse was a third of a channel's cost)."""
    known = _PARSED.get(shorthand)
    if known is not None:
        return dict(known)
    simple = _TYPED_FIELD.match(shorthand)
    if simple is not None:
        kind = simple["type"]
        parsed = {"field": simple["field"], "type": alt_core.INV_TYPECODE_MAP.get(kind, kind)}
    else:
        parsed = alt_core.parse_shorthand(shorthand, data=None)
    if "type" not in parsed:
        return alt_core.parse_shorthand(shorthand, data=data)
    if len(_PARSED) < 10_000:
        _PARSED[shorthand] = dict(parsed)
    return parsed
