"""A reader who mistypes an address, or asks too much of a query, is told in the
ledger's words what is not there and where to go, on a page with the way home, where
Datasette said "Table not found", "404" or talked of its own settings."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from ledger.views.projections import load_projections

pytest.importorskip("datasette", reason="ledger serve needs the web extra (datasette)")

from served import Ledger  # noqa: E402

from ledger.web.lost import PAGES, TOO_LONG  # noqa: E402

HOME = '<a href="/">home</a>'
VIEWS = ", ".join(load_projections())


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    yield Ledger(tmp_path_factory.mktemp("web-lost"))


def _said(page: str) -> str:
    found = re.search(r'border: 3px solid red;">(.*?)</div>', page, re.DOTALL)
    assert found is not None, page[:500]
    return html.unescape(found[1]).strip()


LOST = [
    (
        "/views/ccg-budget",
        "Error: views has no view or table 'ccg-budget' (did you mean ccg-budgets?); "
        f"its views: {VIEWS}; its tables: postings, ",
    ),
    (
        "/views/ccg~2Dbudgetz",
        "Error: views has no view or table 'ccg-budgetz' (did you mean ccg-budgets?)",
    ),
    ("/search/orgs", "Error: search has no view or table 'orgs'; its tables: organisations"),
    (
        "/views/sources/nosuch",
        "Error: the table sources has no row 'nosuch': its rows are at /views/sources",
    ),
    ("/views/postings/999999999", "Error: the table postings has no row '999999999'"),
    ("/nothing/here", f"Error: nothing is at /nothing/here: {PAGES}"),
    ("/-/timeline/13T/allocation", f"Error: nothing is at /-/timeline/13T/allocation: {PAGES}"),
    ("/-/organisation/06%20H", "Error: no organisation has the code '06 H'"),
]


@pytest.mark.parametrize(("path", "said"), LOST, ids=[path for path, _ in LOST])
def test_a_mistyped_address_says_what_is_not_there_and_where_to_go(
    ledger: Ledger, path: str, said: str
) -> None:
    page = ledger.get(path)
    assert page.status_code == 404
    assert _said(page.text).startswith(said)
    assert HOME in page.text
    assert re.search(r"<title>\s*Not found\s*</title>", page.text)


def test_a_mistyped_address_says_so_in_json_too(ledger: Ledger) -> None:
    answer = ledger.get("/views/ccg-budget.json")
    assert answer.status_code == 404
    assert answer.json()["error"].startswith(
        "views has no view or table 'ccg-budget' (did you mean ccg-budgets?)"
    )


def test_a_wrong_year_in_a_timeline_is_an_error_not_a_page_not_found(ledger: Ledger) -> None:
    page = ledger.get("/-/timeline/13T/allocation/2013")
    assert page.status_code == 400
    assert re.search(r"<title>\s*Error\s*</title>", page.text)
    assert "a financial year is written like 2013-14" in _said(page.text)


def test_a_views_own_error_has_the_way_home(ledger: Ledger) -> None:
    page = ledger.get("/views/ccg-budgets", year="2099-00")
    assert page.status_code == 400
    assert _said(page.text).startswith("Error: no allocations recorded for 2099-00")
    assert HOME in page.text


def test_a_query_stopped_by_the_time_limit_says_so_in_the_ledgers_words(ledger: Ledger) -> None:
    """Datasette's message sent a reader to its sql_time_limit_ms setting, which ledger
    serve does not offer, and gave the JSON an HTML error with a script in it."""
    endless = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    )
    answer = ledger.get("/views.json", sql=endless)
    assert answer.status_code == 400
    assert answer.json()["error"] == TOO_LONG
    assert TOO_LONG == (
        "the query was stopped after 5 seconds, the longest a query may run here: "
        "narrow the query (WHERE, LIMIT)"
    )
    page = ledger.get("/views", sql=endless)
    assert page.status_code == 400
    assert _said(page.text) == f"Error: {TOO_LONG}"
    assert "sql_time_limit_ms" not in page.text


def test_a_readers_wrong_parameter_is_not_logged_as_an_error_with_the_whole_view(
    ledger: Ledger, capfd: pytest.CaptureFixture[str]
) -> None:
    """The terminal of ``ledger serve`` got "ERROR: conn=..." and the view's whole SQL,
    some 12,000 characters, for each wrong year or bad column a reader tried: the reader
    is answered with the error, and the server's log stays for what went wrong with it."""
    capfd.readouterr()
    assert ledger.get("/views/ccg-budgets", year="2099-00").status_code == 400
    facet = ledger.get("/views/postings", _facet="nosuch")
    assert facet.status_code == 400
    said = "Error: parameter _facet: 'nosuch' is not a column of this table (columns: "
    assert _said(facet.text).startswith(said)
    assert ledger.get("/views.json", sql="SELECT nosuch FROM postings").status_code == 400
    assert capfd.readouterr().err == ""
