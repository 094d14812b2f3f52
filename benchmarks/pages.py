"""The app's pages, read from the `PAGES` literal in app.py (importing app.py runs the app).

The one reader of `PAGES` outside the app: the benchmarks time every page it lists and the
browser tests (tests/browser/conftest.py) open every one, so a page added to the router is
measured and tested without another list to update.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]
APP: Final = ROOT / "app.py"


@dataclass(frozen=True)
class Page:
    """One entry of app.PAGES and the URL path Streamlit serves it at."""

    path: str  # "pages/gaps.py", relative to app.py
    title: str
    section: str
    #: The page st.navigation opens at "/" (app.py marks it with `default=`).
    default: bool = False

    @property
    def stem(self) -> str:
        return Path(self.path).stem

    @property
    def url_path(self) -> str:
        """Streamlit's url_path is the file name without suffix; the default page is ""."""
        return "" if self.default else self.stem


def _pages_literal(tree: ast.Module) -> Any:
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            first = node.targets[0]
            target, value = (first.id if isinstance(first, ast.Name) else None), node.value
        if target == "PAGES" and value is not None:
            return ast.literal_eval(value)
    return None


def app_pages(app: Path = APP) -> list[Page]:
    """Every page in the PAGES literal, in order; ValueError if app.py has none."""
    tree = ast.parse(app.read_text(encoding="utf-8"), filename=str(app))
    literal = _pages_literal(tree)
    if not isinstance(literal, dict):
        raise ValueError(f"{app}: no PAGES literal")
    pages = [
        Page(path=path, title=title, section=section)
        for section, entries in literal.items()
        for path, title, *_ in entries
    ]
    # app.py passes st.Page(..., default=(path == "<file>")); Streamlit's own default, when
    # none is marked, is the first page.
    marked = {
        node.value.comparators[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.keyword)
        and node.arg == "default"
        and isinstance(node.value, ast.Compare)
        and isinstance(node.value.comparators[0], ast.Constant)
    }
    default = next((p for p in pages if p.path in marked), pages[0] if pages else None)
    return [Page(p.path, p.title, p.section, p is default) for p in pages]


def keep_navigation_mode() -> None:
    """Make AppTest rerun app.py like the server does.

    AppTest resets `PagesManager.uses_pages_directory` before every run; as app.py sits
    beside a `pages/` folder, the reset turns on the old pages-folder mode, and a rerun
    after a widget change then executes the page script alone (no router, no sidebar,
    stale filters). A server sets the flag to False for good on the first st.navigation
    call; this does the same for headless runs (the benchmark's AppTest rows,
    scripts/answers_ahead.py, tests/pages/test_cold_imports.py).
    """
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager.__init__, "_bench_patched", False):
        return
    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    init._bench_patched = True  # type: ignore[attr-defined]
    PagesManager.__init__ = init  # type: ignore[method-assign]
