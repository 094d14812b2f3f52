"""Security gates: no dangerous calls in the source, and hostile names render as text.

1. The source tree (equity/, components/, pages/, app.py) never deserialises with pickle,
   evaluates code, lets Streamlit render raw HTML/JavaScript, or runs a shell. Comments and
   strings are ignored (a docstring may say "no pickle"); a genuine need goes in ALLOWED
   with its justification.
2. (browser) A school name `<script>alert(1)</script>` in a KS4 file and an LA name carrying
   a script tag, ingested into a scratch store, reach the pages as text: no dialog ever
   opens, no element is injected, and the literal text is what the user reads. Markdown in
   a URL parameter does not become a link in the "not available" notice either.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import io
import json
import os
import re
import shutil
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [ROOT / "equity", ROOT / "components", ROOT / "pages", ROOT / "app.py"]

#: Patterns matched against each file's code tokens (comments and strings removed,
#: whitespace squeezed out, so `shell = True` is caught as `shell=True`).
FORBIDDEN = {
    "pickle": re.compile(r"pickle", re.IGNORECASE),
    "eval(": re.compile(r"(?<![A-Za-z0-9_])eval\("),
    "exec(": re.compile(r"(?<![A-Za-z0-9_])exec\("),
    "unsafe_allow_html=True": re.compile(r"unsafe_allow_html=True"),
    "unsafe_allow_javascript=True": re.compile(r"unsafe_allow_javascript=True"),
    "shell=True": re.compile(r"shell=True"),
    # Not on the list but the same risk: raw HTML or JavaScript in an iframe.
    "components.html(": re.compile(r"components(\.v1)?\.html\("),
}
#: (path relative to the repo, pattern name) -> why it is safe.
ALLOWED: dict[tuple[str, str], str] = {
    ("components/prefetch.py", "unsafe_allow_javascript=True"): (
        "one fixed script that imports Streamlit's own code files by name; the names are "
        "file names in Streamlit's package matched by prefetch.CHUNK, never data or user "
        "text (test_the_prefetch_script_is_fixed_code_and_file_names)"
    ),
    ("components/progressive.py", "unsafe_allow_javascript=True"): (
        "one fixed script that presses the section's (or the warm-up trigger's) own button "
        "once the run is over; the "
        "one thing written into it is the section's name, fixed text in the source checked "
        "against progressive.NAME ([a-z0-9-]) (test_the_progressive_script_is_fixed_code)"
    ),
}
#: st.html calls whose argument is built, not a literal: (path, builder function) -> why.
HTML_BUILDERS: dict[tuple[str, str], str] = {
    ("components/prefetch.py", "script"): ALLOWED[
        ("components/prefetch.py", "unsafe_allow_javascript=True")
    ],
    ("components/progressive.py", "script"): ALLOWED[
        ("components/progressive.py", "unsafe_allow_javascript=True")
    ],
    ("components/tiles.py", "markup"): (
        "headline tiles: fixed labels and formatted figures, both escaped, inside fixed tags "
        "(tests/unit/test_tiles.py); no script"
    ),
}


def python_files() -> Iterator[Path]:
    for root in SCANNED:
        if root.is_file():
            yield root
        else:
            yield from sorted(root.rglob("*.py"))


def code_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, the line's code tokens joined without spaces), comments and strings out."""
    skipped = {tokenize.COMMENT, tokenize.STRING, tokenize.NL, tokenize.NEWLINE}
    skipped |= {tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}
    for kind in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END"):
        if hasattr(tokenize, kind):
            skipped.add(getattr(tokenize, kind))
    lines: dict[int, list[str]] = {}
    with path.open("rb") as handle:
        for token in tokenize.tokenize(handle.readline):
            if token.type not in skipped:
                lines.setdefault(token.start[0], []).append(token.string)
    for number, parts in sorted(lines.items()):
        yield number, "".join(parts)


def test_the_scanner_sees_code_and_ignores_comments_and_strings(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""We never use pickle."""\n'
        "import subprocess  # shell=True would be bad\n"
        'subprocess.run(["ls"], shell = True)\n'
        'text = "eval(1)"\n'
        "value = ast.literal_eval(text)\n"
        "st.markdown(text, unsafe_allow_html = True)\n"
    )
    hits = [
        (number, name)
        for number, code in code_lines(sample)
        for name, pattern in FORBIDDEN.items()
        if pattern.search(code)
    ]
    assert hits == [(3, "shell=True"), (6, "unsafe_allow_html=True")]


def test_no_pickle_eval_exec_raw_html_or_shell_in_the_source() -> None:
    hits = []
    used_allowances = set()
    for path in python_files():
        relative = path.relative_to(ROOT).as_posix()
        for number, code in code_lines(path):
            for name, pattern in FORBIDDEN.items():
                if not pattern.search(code):
                    continue
                if (relative, name) in ALLOWED:
                    used_allowances.add((relative, name))
                    continue
                hits.append(f"{relative}:{number}: {name}: {code[:120]}")
    assert not hits, "forbidden calls (add to ALLOWED only with a justification):\n" + "\n".join(
        hits
    )
    stale = set(ALLOWED) - used_allowances
    assert not stale, f"allow-list entries no longer needed: {sorted(stale)}"


#: Private keys and the token formats most often committed by mistake.
SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "OpenAI-style key": re.compile(r"\bsk-[A-Za-z0-9]{32,}\b"),
}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".cfg", ".ini", ".yml", ".yaml", ".json", ".sh"}


SKIPPED_DIRS = {".git", "data", "test-artifacts", ".hypothesis", ".venv", "__pycache__"}
SKIPPED_DIRS |= {".mypy_cache", ".ruff_cache", ".pytest_cache", "node_modules"}


def text_files() -> Iterator[Path]:
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in files:
            path = Path(folder) / name
            if path.suffix in TEXT_SUFFIXES and path != Path(__file__):
                yield path


def test_no_secrets_in_the_source() -> None:
    assert not (ROOT / ".streamlit" / "secrets.toml").exists(), "a secrets.toml in the repo"
    hits = []
    for path in text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        hits += [
            f"{path.relative_to(ROOT)}: {name}"
            for name, pattern in SECRET_PATTERNS.items()
            if pattern.search(text)
        ]
    assert not hits, hits


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            constants[target.id] = value
    return constants


def st_html_calls_with_data() -> list[str]:
    """Every st.html(...) whose argument is not a plain string literal (directly or through a
    module-level name bound to one): only fixed CSS/markup may go through st.html."""
    problems = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _module_constants(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "html"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "st"
            ):
                continue
            arg = node.args[0] if node.args else None
            relative = path.relative_to(ROOT).as_posix()
            if (
                isinstance(arg, ast.Call)
                and isinstance(arg.func, ast.Name)
                and (relative, arg.func.id) in HTML_BUILDERS
            ):
                continue
            if isinstance(arg, ast.Name):
                arg = constants.get(arg.id)
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                where = f"{path.relative_to(ROOT).as_posix()}:{node.lineno}"
                problems.append(f"{where}: st.html() with a non-literal argument")
    return problems


def test_st_html_only_ever_gets_a_fixed_string() -> None:
    problems = st_html_calls_with_data()
    assert not problems, "\n".join(problems)


def test_the_prefetch_script_is_fixed_code_and_file_names() -> None:
    """The one built st.html (HTML_BUILDERS): its template with JSON lists in place of
    FILES, STYLES and FONTS: names CHUNK and STYLE match, of files in Streamlit's package,
    and the module's own constant font faces."""
    from components import prefetch

    names = list(prefetch.chunk_files())
    styles = list(prefetch.style_files())
    for marker in ("FILES", "STYLES", "FONTS"):
        assert prefetch._SCRIPT.count(marker) == 1
    expected = (
        prefetch._SCRIPT.replace("FILES", json.dumps(names))
        .replace("STYLES", json.dumps(styles))
        .replace("FONTS", json.dumps(list(prefetch.FONTS)))
    )
    assert prefetch.script() == expected
    assert names and all(prefetch.CHUNK.match(name) for name in names)
    assert all((prefetch.STATIC_JS / name).is_file() for name in names)
    assert all(prefetch.STYLE.match(name) for name in styles)
    assert all((prefetch.STATIC_CSS / name).is_file() for name in styles)
    assert all("<" not in face and "\\" not in face for face in prefetch.FONTS)


def test_the_progressive_script_is_fixed_code() -> None:
    """The section's script: its template with the button's key in place of BUTTON, and a
    name that is not [a-z0-9-] refused (no quote, tag or space can reach the script)."""
    from components import progressive

    assert progressive._SCRIPT.count("BUTTON") == 1
    made = progressive.script("concentration-trend")
    key = progressive.BUTTON_KEY.format(name="concentration-trend")
    assert made == progressive._SCRIPT.replace("BUTTON", key)
    for bad in ("x'); alert(1); ('", "</script>", "Trend", "a b", "", "x" * 61):
        with pytest.raises(ValueError):
            progressive.script(bad)


# --------------------------------------------------------------------------- in the browser

SCRIPT_SCHOOL = "<script>alert(1)</script>"
IMG_SCHOOL = '<img src=x onerror="alert(2)">'
MARKDOWN_SCHOOL = "**Bold** [phish](https://example.invalid/school)"
SCRIPT_LA = "<script>alert(3)</script>Surrey"
HOSTILE_PARAM = "[phish](https://example.invalid/param)"


def hostile_sources(sources: Path, target: Path) -> list[Path]:
    """A 3-school KS4 file for Surrey (936) with hostile names, LAIT with a hostile name for
    Surrey, and LAIT's code list (so the LAs exist)."""
    target.mkdir(parents=True, exist_ok=True)
    real = sources / "performance-tables" / "2018-2019_936_ks4final.csv"
    raw = real.read_bytes()
    text = raw.decode("utf-8-sig") if raw[:3] == b"\xef\xbb\xbf" else raw.decode("cp1252")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    name_at = header.index("SCHNAME")
    schools = [r for r in body if r[0] == "1"][:3]  # RECTYPE 1: mainstream school rows
    for row, name in zip(schools, (SCRIPT_SCHOOL, IMG_SCHOOL, MARKDOWN_SCHOOL), strict=True):
        row[name_at] = name
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *schools])
    ks4 = target / "2018-2019_936_ks4final.csv"
    ks4.write_text(buffer.getvalue(), encoding="utf-8")

    lait = pl.read_parquet(sources / "lait" / "bds_long_0.parquet").with_columns(
        pl.when(pl.col("LA and Regions") == "Surrey")
        .then(pl.lit(SCRIPT_LA))
        .otherwise(pl.col("LA and Regions"))
        .alias("LA and Regions")
    )
    lait.write_parquet(target / "bds_long_0.parquet")
    shutil.copy(sources / "lait" / "la_codes.csv", target / "la_codes.csv")
    return [ks4, target / "bds_long_0.parquet", target / "la_codes.csv"]


INJECTED_JS = """
() => ({
  scripts: [...document.querySelectorAll('script')]
    .filter((s) => /alert\\(/.test(s.textContent)).length,
  images: document.querySelectorAll('img[src="x"], img[onerror]').length,
  links: [...document.querySelectorAll('a[href^="https://example.invalid"]')]
    .map((a) => a.outerHTML),
  text: document.body.innerText + '\\n' + [...document.querySelectorAll('input, textarea')]
    .map((e) => e.value).join('\\n'),
})
"""


@pytest.fixture(scope="module")
def hostile_server(sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app on a scratch store built from the hostile files (see hostile_sources)."""
    from equity.ingest.runner import ingest_paths
    from tests.browser.conftest import start_server, stop_server

    work = tmp_path_factory.mktemp("hostile")
    store = work / "store"
    report = ingest_paths(hostile_sources(sources, work / "sources"), store)
    assert len(report.ingested) == 3, report.text()
    schools = report.ingested[0].schools
    assert SCRIPT_SCHOOL in schools["name"].to_list(), schools
    urn = schools.filter(pl.col("name") == SCRIPT_SCHOOL)["urn"][0]
    server = start_server(work / "server", {"EQUITY_STORE": str(store)})
    server.env["HOSTILE_URN"] = str(urn)
    try:
        yield server
    finally:
        stop_server(server)


@contextlib.contextmanager
def browser_page(dialogs: list[str]) -> Iterator[Any]:
    """A fresh Chromium page that records (and dismisses) every dialog."""
    from playwright.sync_api import Dialog, sync_playwright

    from tests.browser.conftest import launch_browser, new_context

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        try:
            page = new_context(browser).new_page()

            def on_dialog(dialog: Dialog) -> None:
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)
            yield page
        finally:
            browser.close()


def check_not_injected(page: Any, where: str) -> str:
    """No script, image or link came out of the hostile text; returns the page's text."""
    found = page.evaluate(INJECTED_JS)
    assert not found["scripts"], f"{where}: a script element carries alert("
    assert not found["images"], f"{where}: an injected <img> element"
    assert not found["links"], f"{where}: markdown became a link: {found['links']}"
    return str(found["text"])


@pytest.mark.browser
def test_hostile_names_are_rendered_as_text(hostile_server: Any) -> None:
    from tests.browser.conftest import PAGE_LIST, exception_texts, open_app

    dialogs: list[str] = []
    seen: dict[str, str] = {}
    with browser_page(dialogs) as page:
        open_app(page, hostile_server.url())  # app.py first (see the fresh-server e2e test)
        query = f"la=936&phase=secondary&year=2018-19&school={hostile_server.env['HOSTILE_URN']}"
        for app_page in PAGE_LIST:
            where = app_page.path
            open_app(page, hostile_server.url(app_page, query))
            assert not exception_texts(page), (where, exception_texts(page))
            texts = [check_not_injected(page, where)]
            # Open every picker on the page: school names are listed as options.
            pickers = page.locator('[data-testid="stMain"] input[role="combobox"]')
            for index in range(pickers.count()):
                pickers.nth(index).click()
                texts.append("\n".join(page.get_by_role("option").all_inner_texts()))
                texts.append(check_not_injected(page, f"{where}, picker {index} open"))
                page.keyboard.press("Escape")
            seen[where] = "\n".join(texts)
            if "alert(1)" in seen[where]:
                assert SCRIPT_SCHOOL in seen[where], f"{where}: the name was mangled"
        # The LA name is on the overview's h1 and in the authority picker, as text.
        open_app(page, hostile_server.url(None, "la=936"))
        assert SCRIPT_LA in page.locator("h1").first.inner_text()
        assert SCRIPT_LA in page.get_by_role("combobox", name="Authority").input_value()
    assert not dialogs, f"a script ran: dialogs {dialogs}"
    shown = sorted(p for p, text in seen.items() if SCRIPT_SCHOOL in text)
    print("pages showing the hostile school name as text:", shown or "none yet")


@pytest.mark.browser
def test_markdown_in_a_url_parameter_stays_text(hostile_server: Any) -> None:
    """The "not available" notice repeats the bad value from the link: it must not turn
    into a working link or image (a phishing link inside the app's own notice)."""
    from tests.browser.conftest import open_app

    dialogs: list[str] = []
    with browser_page(dialogs) as page:
        open_app(page, hostile_server.url())
        for name in ("la", "year", "group", "phase"):
            open_app(page, hostile_server.url(None, f"{name}={quote(HOSTILE_PARAM)}"))
            found = page.evaluate(INJECTED_JS)
            assert not found["links"], f"?{name}=: markdown became a link: {found['links']}"
            assert not found["images"], f"?{name}=: markdown became an image"
    assert not dialogs, dialogs
