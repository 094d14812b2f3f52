"""View references: a story or link rebuilds a page's charts even if no session has opened
that page in this server process (its module registers the builder on import)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

import components
from components import views
from components.filters import Filters

MODULE = "components.overview"
MANCHESTER = Filters("352", "secondary", "disadvantaged", "2018/19", "Manchester", ("352",))


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As on a new server: the Overview's module not imported, its builder not registered.
    Afterwards the module, the package attribute and the registry are exactly as before, so
    later tests see the Overview's views whether or not it was imported before this one."""
    module = sys.modules.pop(MODULE, None)
    attribute = components.__dict__.pop("overview", None)
    monkeypatch.setattr(views, "_BUILDERS", {})
    monkeypatch.setattr(views, "_tried", set())
    yield
    sys.modules.pop(MODULE, None)
    components.__dict__.pop("overview", None)
    if module is not None:
        sys.modules[MODULE] = module
    if attribute is not None:
        components.__dict__["overview"] = attribute


@pytest.mark.usefixtures("fresh_process")
def test_page_views_import_the_page_module_that_registers_them() -> None:
    shown = views.page_views("overview-", MANCHESTER)
    assert [v.view_id for v in shown] == ["overview-ks4_attainment8", "overview-ks4_progress8"]
    assert all(v.filters == MANCHESTER for v in shown)


@pytest.mark.usefixtures("fresh_process")
def test_a_prefix_no_module_registers_is_a_view_error() -> None:
    with pytest.raises(views.ViewError, match="no page registers views starting 'nosuch-'"):
        views.page_views("nosuch-", MANCHESTER)
