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


def test_magic_is_off() -> None:
    """The rewrite costs a script's first run more than compiling it (config.toml)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["magicEnabled"] is False


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.stem for path in SCRIPTS])
def test_no_script_relies_on_magic(script: Path) -> None:
    """With magic off a bare expression draws nothing; Streamlit's own rewrite finds none
    that it would have drawn, in the router and every page."""
    rewritten = magic.add_magic(script.read_text(encoding="utf-8"), str(script))
    writes = [
        node
        for node in ast.walk(rewritten)
        if isinstance(node, ast.Attribute) and node.attr == "transparent_write"
    ]
    assert writes == [], f"{script.name}: line {writes[0].lineno} relies on magic"


def test_the_check_sees_a_bare_expression() -> None:
    rewritten = magic.add_magic('"""Doc."""\nimport streamlit as st\nx = 1\nx\n', "probe.py")
    assert any(
        isinstance(node, ast.Attribute) and node.attr == "transparent_write"
        for node in ast.walk(rewritten)
    )
