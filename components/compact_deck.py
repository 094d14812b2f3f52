"""A pydeck Deck whose JSON has no whitespace; its own module so that pydeck (whose import
compiles many regular expressions, ~60-120 ms) is imported only when a map is made, not
when the Concentration page (components/maps.py) is first imported."""

from __future__ import annotations

import json

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize


class CompactDeck(pdk.Deck):
    """pydeck indents its JSON by two spaces, which puts every coordinate of every outline
    on its own indented line: 190 KB of boundaries became 1.1 MB. Streamlit sends whatever
    `to_json` returns, so this writes it without the whitespace."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))
