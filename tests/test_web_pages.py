"""What the pages of ledger serve say about themselves, read as a browser's tab and a
reader's eye read them: each page's title, the headings above money shown in pounds,
the organisation search, and how much one answer may hold."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from ledger.views.projections import load_projections

pytest.importorskip("datasette", reason="ledger serve needs the web extra (datasette)")

from served import Ledger  # noqa: E402


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    yield Ledger(tmp_path_factory.mktemp("web-pages"))


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
    assert found is not None
    return found[1].strip()


def test_a_views_tab_is_titled_with_its_name_not_its_sql(ledger: Ledger) -> None:
    """A reader with several views open tells their tabs apart by the views' names."""
    for name in load_projections():
        page = ledger.get(f"/views/{name}")
        assert page.status_code == 200, name
        assert _title(page.text) == name
    asked = ledger.get("/views/ccg-budgets", year="2013-14", group="region")
    assert _title(asked.text) == "ccg-budgets"
    own = ledger.get("/views", sql="SELECT code, name FROM organisations LIMIT 3")
    assert _title(own.text) == "views: SQL query"
