"""Streamlit's settings the app relies on (.streamlit/config.toml)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from streamlit.runtime.scriptrunner import magic

from benchmarks.pages import app_pages

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / "app.py", *(ROOT / page.path for page in app_pages())]


def magic_writes(source: str, name: str) -> list[ast.Attribute]:
    """Where Streamlit's magic rewrite of `source` would write a bare expression."""
    return [
        node
        for node in ast.walk(magic.add_magic(source, name))
        if isinstance(node, ast.Attribute) and node.attr == "transparent_write"
    ]


def test_magic_is_off() -> None:
    """The rewrite costs a script's first run more than compiling it (config.toml)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["magicEnabled"] is False


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.stem for path in SCRIPTS])
def test_no_script_relies_on_magic(script: Path) -> None:
    """With magic off a bare expression draws nothing; Streamlit's own rewrite finds none
    that it would have drawn, in the router and every page."""
    writes = magic_writes(script.read_text(encoding="utf-8"), str(script))
    assert writes == [], f"{script.name}: line {writes[0].lineno} relies on magic"


def test_the_check_sees_a_bare_expression() -> None:
    assert magic_writes('"""Doc."""\nimport streamlit as st\nx = 1\nx\n', "probe.py")
