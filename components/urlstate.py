"""State kept in the URL: one helper for the global filters, Similar schools, School trends
and stories.

One key style: query parameters are short lower-case words (`la`, `school`, `family_size`,
`slide`); the session remembers each page's last-seen link values under
`equity_url_<group>`. One rule for when a link wins over the widgets: a group's values from
the URL are applied when they differ from the ones this session last saw or wrote for that
group (a link opened, or pasted over the current address); otherwise the widgets own the
state and write it back with `write`. Values are parsed once, here, and a value that is not
what the parameter takes becomes a notice in the same words as any other bad value, never
an exception.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

import streamlit as st

NOTICES_KEY: Final = "equity_url_notices"
_SEEN: Final = "equity_url_"
#: ASCII digits only: str.isdigit() also accepts "²" and "٣", which int() refuses or reads
#: as another number, and a sign or a leading zero is not how we write a count.
_WHOLE: Final = re.compile(r"(?:0|[1-9][0-9]*)")


def whole_number(raw: object, low: int, high: int) -> int | None:
    """`raw` as a whole number from `low` to `high`, or None when it is anything else:
    empty, signed, padded with zeros, spaces inside, non-ASCII digits, a fraction, or more
    digits than `high` has (so a 10,000-digit value is refused before int() ever sees it:
    Python refuses to read more than 4,300 digits, with a ValueError)."""
    text = str(raw).strip() if raw is not None else ""
    if len(text) > len(str(high)) or not _WHOLE.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def get(name: str) -> str:
    """The link's value for `name`, "" when absent (the last one when a link repeats it)."""
    value = st.query_params.get(name)
    return "" if value is None else str(value)


def values(names: Sequence[str]) -> dict[str, str]:
    """The link's values for a group of parameters, "" for each one absent."""
    return {name: get(name) for name in names}


def incoming(group: str, names: Sequence[str]) -> dict[str, str] | None:
    """The link's values for `group` when they are new to this session (the one rule for
    when a link wins over the widgets), else None. Seeing them marks them seen."""
    found = values(names)
    if not any(found.values()) or st.session_state.get(_SEEN + group) == found:
        return None
    st.session_state[_SEEN + group] = found
    return found


def write(group: str, new: Mapping[str, str | None]) -> None:
    """Put the widgets' values in the address bar (a None or "" value removes its key) and
    remember them as seen, so the next rerun does not take them for a new link.

    Only what differs is written, in one update: each assignment to `st.query_params` sends
    the browser a message and re-encodes the whole query string, and on most reruns the
    address already says exactly this (a key given twice in a link counts as different, so
    it is written once)."""
    params = st.query_params
    wanted = {name: str(value) if value else "" for name, value in new.items()}
    changed = {
        name: value for name, value in wanted.items() if value and params.get_all(name) != [value]
    }
    if changed:
        params.update(changed)
    for name, value in wanted.items():
        if not value and name in params:
            del params[name]
    st.session_state[_SEEN + group] = wanted


def forget(group: str) -> None:
    """Forget the group's last-seen values: the next link values are applied again."""
    st.session_state.pop(_SEEN + group, None)


def seen(group: str) -> dict[str, str] | None:
    """The group's values last seen or written, if any."""
    found = st.session_state.get(_SEEN + group)
    return found if isinstance(found, dict) else None


def notice(message: str) -> None:
    """Queue a notice about a link's value, shown by `show_notices` on the page."""
    st.session_state.setdefault(NOTICES_KEY, []).append(message)


def show_notices() -> None:
    """Show (once) every notice queued this rerun."""
    for message in st.session_state.pop(NOTICES_KEY, []) or []:
        st.warning(message, icon=":material/link_off:")
