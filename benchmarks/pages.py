"""The app's pages, read from the `PAGES` literal in app.py (importing app.py runs the app)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
APP: Final = ROOT / "app.py"
DEFAULT_PAGE: Final = "pages/overview.py"


@dataclass(frozen=True)
class Page:
    path: str  # "pages/gaps.py", relative to app.py
    title: str
    section: str

    @property
    def stem(self) -> str:
        return Path(self.path).stem

    @property
    def url_path(self) -> str:
        """The path st.navigation serves the page at ("" for the default page)."""
        return "" if self.path == DEFAULT_PAGE else self.stem


def app_pages(app: Path = APP) -> list[Page]:
    tree = ast.parse(app.read_text(encoding="utf-8"), filename=str(app))
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            first = node.targets[0]
            target, value = (first.id if isinstance(first, ast.Name) else None), node.value
        if target == "PAGES" and value is not None:
            literal = ast.literal_eval(value)
            return [
                Page(path=path, title=title, section=section)
                for section, entries in literal.items()
                for path, title, *_ in entries
            ]
    raise ValueError(f"{app}: no PAGES literal")
