"""The Similar schools link: a `Choice` to and from plain strings (URL parameters and story
references alike), every bad value reported with what is used instead, never raised."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import polars as pl
import streamlit as st

from components import data, urlstate
from components.filters import Filters
from components.similar.common import (
    DEFAULT_SCHOOL_TEXT,
    SIZE_DEFAULT,
    SIZE_MAX,
    SIZE_MIN,
    Choice,
    census_default,
    census_options,
    weight_text,
)
from components.text import plain, plural, quoted
from equity.analysis import similar
from equity.schema import GREATER_MANCHESTER


@dataclass(frozen=True)
class Parsed:
    choice: Choice
    #: (what was wrong with a value, what is used instead), for each bad value.
    problems: tuple[tuple[str, str], ...]
    pool_given: bool
    #: The authority's schools (similar.school_options) and the one a page opens on, worked
    #: out once per rerun for the link and the widgets alike.
    schools: pl.DataFrame
    default: str


def link_options(choice: Choice) -> tuple[tuple[str, str], ...]:
    """The choice as plain strings: URL parameters and view-reference options alike."""
    return (
        ("school", choice.urn),
        ("family_size", str(choice.size)),
        ("pool", choice.pool),
        ("features", ",".join(choice.features)),
        ("weights", weights_text(choice.weights)),
        ("census", choice.census.replace("/", "-")),
        ("mix", "1" if choice.mix_kinds else ""),
    )


def weights_text(weights: tuple[tuple[str, float], ...]) -> str:
    """'fsm6:1,eal:1,sen:1,pupils:0.5': the weights as a link writes them."""
    return ",".join(f"{f}:{weight_text(w)}" for f, w in weights)


#: A weight in a link: 0 to 5 with at most two decimals, ASCII digits only ("1", "0.5").
_WEIGHT = re.compile(r"(?:[0-9])(?:\.[0-9]{1,2})?")


def parse_weights(text: str) -> tuple[dict[str, float], list[tuple[str, str]]]:
    """The weights a link gives (feature -> weight) and a notice per bad item; an item that
    is not `feature:number`, names an unknown feature or gives a number outside 0 to
    WEIGHT_MAX is dropped (that feature keeps its default weight), never raised."""
    found: dict[str, float] = {}
    problems: list[tuple[str, str]] = []
    for item in [p.strip() for p in text.split(",") if p.strip()][: 2 * len(similar.FEATURES)]:
        name, _, number = item.partition(":")
        name, number = name.strip(), number.strip()
        if name not in similar.FEATURES:
            problems.append(
                (
                    f"The link's weight {quoted(item, 20)} is not for a known feature "
                    f"(known: {', '.join(similar.FEATURES)})",
                    "it is dropped",
                )
            )
            continue
        value = float(number) if _WEIGHT.fullmatch(number) else None
        if value is None or value > similar.WEIGHT_MAX:
            problems.append(
                (
                    f"The link's weight for {similar.FEATURES[name].short} "
                    f"{quoted(number, 12)} must be a number from 0 to "
                    f"{weight_text(similar.WEIGHT_MAX)}",
                    f"the default weight ({weight_text(similar.DEFAULT_WEIGHTS.get(name, 1.0))})"
                    " is used",
                )
            )
            continue
        found[name] = value
    return found, problems


def parse_census(text: str) -> tuple[str | None, tuple[str, str] | None]:
    """The census year a link asks for ("2023-24" or "2023/24") and a notice when it is not
    one of the loaded censuses (the newest is used then)."""
    options = census_options()
    default = census_default()
    wanted = text.strip().replace("-", "/")
    if not wanted:
        return default, None
    if wanted in options:
        return wanted, None
    return default, (
        f"The link's census year {quoted(text, 12)} is not a loaded census "
        f"(loaded: {', '.join(options)})",
        f"the newest ({default}) is used",
    )


def _unknown_school(wanted: str, context: similar.Context, selection: Filters) -> str:
    known = data.get_store().schools().filter(pl.col("urn") == wanted)
    if known.is_empty():
        return f"The link's school {quoted(wanted, 20)} is not a URN in the loaded data"
    name, la_code, phase = known.select("name", "la_code", "phase").row(0)
    return (
        f"The link's school {wanted} ({plain(name or 'unnamed')}, LA {la_code}, {phase}) is not a "
        f"state-funded {context.phase} school in {selection.la_label}; change the Authority "
        "or Phase filter to see it"
    )


def parse_choice(
    context: similar.Context,
    selection: Filters,
    params: Mapping[str, str],
    census: str | None = None,
    link: bool = True,
) -> Parsed | None:
    """A choice from plain strings (a link or a story reference), defaults where absent or
    bad; None when the authority has no school of the phase. `census`: the census year
    already chosen (the page's census picker), else read from `params`. `link=False`:
    `params` are the page's own address, not a link someone followed; when they name a
    school this authority does not have (the page after an Authority change), they are what
    the reader chose for another authority's school and are left out, defaults taken
    instead, so only a followed link's unknown school is looked up and reported."""
    schools = similar.school_options(context, selection.members)
    if schools.is_empty():
        return None
    problems: list[tuple[str, str]] = []
    urns = schools["urn"].to_list()
    if not link and str(params.get("school") or "").strip() not in ("", *urns):
        # Seen on a change from Bolton to an authority with no school (its run drew no
        # school picker, so the next authority's run seeds the controls again) and on to
        # a third: Bolton's "pool=gm" was taken as chosen, and every later authority's
        # family was looked for among Greater Manchester's schools.
        params = {}
    default = similar.default_school(context, selection.members, schools) or urns[0]
    urn = str(params.get("school") or default).strip()
    if urn not in urns:
        problems.append((_unknown_school(urn, context, selection), DEFAULT_SCHOOL_TEXT))
        urn = default
    row = similar.school_row(context, urn)
    assert row is not None  # every school of `schools` is a row of the context
    name, la_code = row["name"], row["la_code"]
    size_text = str(params.get("family_size") or SIZE_DEFAULT).strip()
    size = urlstate.whole_number(size_text, SIZE_MIN, SIZE_MAX)
    if size is None:
        problems.append(
            (
                f"The link's family size {quoted(size_text, 12)} must be a whole number from "
                f"{SIZE_MIN} to {SIZE_MAX}",
                f"{SIZE_DEFAULT} is used",
            )
        )
        size = SIZE_DEFAULT
    pool = str(params.get("pool") or "").strip()
    pool_given = pool in similar.POOLS
    if pool and not pool_given:
        problems.append(
            (
                f"The link's pool {quoted(pool, 20)} is not one of la, gm, england",
                "the default is used",
            )
        )
    if not pool_given:
        pool = "gm" if la_code in GREATER_MANCHESTER else "la"
    have = similar.available_features(context, urn)
    features, feature_problems = _link_features(str(params.get("features") or ""), have)
    problems.extend(feature_problems)
    given, weight_problems = parse_weights(str(params.get("weights") or ""))
    problems.extend(weight_problems)
    weights = tuple((f, given.get(f, similar.DEFAULT_WEIGHTS.get(f, 1.0))) for f in features)
    if census is None:
        census, census_problem = parse_census(str(params.get("census") or ""))
        if census_problem:
            problems.append(census_problem)
    mix_text = str(params.get("mix") or "").strip()
    if mix_text not in ("", "0", "1"):
        problems.append(
            (
                f"The link's mix {quoted(mix_text, 12)} must be 1 (mix school kinds) or 0",
                "kinds are kept apart",
            )
        )
    choice = Choice(
        urn, name, la_code, size, pool, features, weights, census or "", mix_text == "1"
    )
    return Parsed(choice, tuple(problems), pool_given, schools, default)


def _link_features(
    text: str, have: tuple[str, ...]
) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """The features a link asks for: unknown and unavailable ones dropped with a notice; the
    defaults when none is left (or none was given)."""
    listed = list(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))
    problems: list[tuple[str, str]] = []
    unknown = [plain(f[:20]) for f in listed if f not in similar.FEATURES]
    if unknown:
        problems.append(
            (
                f"The link's {plural(len(unknown), 'feature', article=False)} "
                f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not known here "
                f"(known: {', '.join(similar.FEATURES)})",
                f"{'it is' if len(unknown) == 1 else 'they are'} dropped",
            )
        )
    unavailable = [f for f in listed if f in similar.FEATURES and f not in have]
    if unavailable:
        problems.append(
            (
                f"The link's {plural(len(unavailable), 'feature', article=False)} "
                f"{', '.join(unavailable)} {'has' if len(unavailable) == 1 else 'have'} no "
                f"value for this school (available: {', '.join(have)})",
                f"{'it is' if len(unavailable) == 1 else 'they are'} left out",
            )
        )
    kept = tuple(f for f in similar.FEATURES if f in listed and f in have)
    if listed and not kept:
        defaults = tuple(f for f in similar.FEATURES if f in similar.DEFAULT_FEATURES and f in have)
        shorts = ", ".join(similar.FEATURES[f].short for f in defaults)
        problems.append(
            ("None of the link's features can be used", f"the default features ({shorts}) are used")
        )
        return defaults, problems
    if not listed:
        kept = tuple(f for f in similar.FEATURES if f in similar.DEFAULT_FEATURES and f in have)
    return kept, problems


def permalink_url(choice: Choice, selection: Filters, base: str) -> str:
    """The URL that reopens this page on `choice` within `selection` (`parse_choice` and
    the global filters read it back)."""
    params = {
        "la": selection.la_code,
        "phase": selection.phase,
        "year": selection.year.replace("/", "-"),
        "school": choice.urn,
        "family_size": str(choice.size),
        "pool": choice.pool,
        "features": ",".join(choice.features),
        "weights": weights_text(choice.weights),
        "census": choice.census.replace("/", "-"),
        **({"mix": "1"} if choice.mix_kinds else {}),
    }
    return f"{base}?{urlencode(params, safe=',')}"


def permalink(choice: Choice, selection: Filters) -> None:
    """The link as a markdown link, not `st.code`: a code block is drawn by the browser's
    syntax highlighter, whose first use on a visit costs ~0.3-0.5 s of main-thread work
    (it was most of the browser's share of this page's first visit; inline code is
    plain HTML). Right-click copies it; a click opens it."""
    base = (st.context.url or "").split("?")[0] or "similar"
    url = permalink_url(choice, selection, base)
    # urlencode leaves no space, backtick or angle bracket in the query; <...> keeps any
    # bracket in the base from ending the destination early.
    st.markdown(
        f"**Link to this school and its family** (open, bookmark or share it): [`{url}`](<{url}>)"
    )
