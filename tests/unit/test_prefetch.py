"""components/prefetch.py: which of Streamlit's code files the browser is asked to fetch."""

from __future__ import annotations

import re
from pathlib import Path

from components import prefetch


def test_every_element_is_found_in_this_streamlit() -> None:
    """A Streamlit release that renames a chunk fails here (re-measure which files the
    pages fetch), instead of the prefetch quietly shrinking."""
    names = {prefetch.CHUNK.match(name)["name"] for name in prefetch.chunk_files()}  # type: ignore[index]
    assert names == set(prefetch.ELEMENTS)


def test_only_the_named_chunks_are_taken(tmp_path: Path) -> None:
    for name in (
        "Slider.WU6er_Bo.js",
        "SliderTrack.Ab12.js",  # another chunk whose name starts the same
        "Slider.DUkanX9_.css",  # not code
        "DataFrame.-f9-1zS0.js",
        "Plot.x.js",
        "notes.txt",
    ):
        (tmp_path / name).write_text("")
    assert prefetch.chunk_files.__wrapped__(tmp_path) == (  # type: ignore[attr-defined]
        "DataFrame.-f9-1zS0.js",
        "Slider.WU6er_Bo.js",
    )


def test_the_script_lists_the_files_and_waits_for_the_run() -> None:
    script = prefetch.script()
    assert all(f'"{name}"' in script for name in prefetch.chunk_files())
    assert "data-test-script-state" in script  # not before the run that sent it is over
    assert "requestIdleCallback" in script


def test_the_grids_style_sheet_is_found_and_only_element_sheets_are_taken(
    tmp_path: Path,
) -> None:
    assert any(name.startswith("DataFrame.") for name in prefetch.style_files())
    for name in ("DataFrame.DUkanX9_.css", "index.C1JORDN2.css", "DataFrame.-f9-1zS0.js"):
        (tmp_path / name).write_text("")
    assert prefetch.style_files.__wrapped__(tmp_path) == (  # type: ignore[attr-defined]
        "DataFrame.DUkanX9_.css",
    )


def test_every_font_face_is_one_streamlit_declares() -> None:
    """A face this Streamlit does not declare would load nothing: its @font-face rules
    name each family and style."""
    sheets = " ".join(
        p.read_text(encoding="utf-8") for p in prefetch.STATIC_CSS.glob("index.*.css")
    )
    declared = set(re.findall(r"@font-face\{font-family:([^;]+);[^}]*font-style:(\w+)", sheets))
    for face in prefetch.FONTS:
        match = re.fullmatch(r'(?:(italic) )?\d+ \d+px "([^"]+)"', face)
        assert match is not None, face
        assert (match[2], match[1] or "normal") in declared, face


def test_the_script_lists_style_sheets_and_fonts() -> None:
    script = prefetch.script()
    assert all(f'"{name}"' in script for name in prefetch.style_files())
    assert all(face.replace('"', '\\"') in script for face in prefetch.FONTS)
    assert "STYLES" not in script and "FONTS" not in script and "FILES" not in script
