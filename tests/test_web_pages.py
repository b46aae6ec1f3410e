"""What the pages of ledger serve say about themselves, read as a browser's tab and a
reader's eye read them: each page's title, the headings above money shown in pounds,
the organisation search, and how much one answer may hold."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest

from ledger.views.projections import load_projections
from ledger.views.read_limits import ANSWER_TOO_LARGE, MAX_ANSWER_BYTES

pytest.importorskip("datasette", reason="ledger serve needs the web extra (datasette)")

from served import Ledger, error_shown  # noqa: E402


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


def _headings(page: str) -> list[str]:
    """The page's h1 and h3 headings, as text."""
    found = re.findall(r"<h([13])[^>]*>(.*?)</h\1>", page, re.DOTALL)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split()) for _, text in found]


# Every view with its defaults, and views that answer no rows (asked as at a day before
# anything they read was known).
_AUDIT = {"account": "13T", "measure": "allocation"}
_EARLY = {"as_at": "2012-01-01"}
EVERY_VIEW = [(name, _AUDIT if name == "audit" else {}) for name in load_projections()]
HEADED = EVERY_VIEW + [
    ("ccg-budgets", _EARLY), ("drawdown", _EARLY), ("audit", _AUDIT | _EARLY),
]  # fmt: skip


@pytest.mark.parametrize(("name", "params"), HEADED, ids=str)
def test_a_views_page_is_headed_with_its_name_and_what_it_shows(
    ledger: Ledger, name: str, params: dict[str, str]
) -> None:
    """A view's page was headed "Custom SQL query returning 4 rows", as if the reader had
    written SQL: it says which view it is, what the view shows and how many rows it gave."""
    page = ledger.get(f"/views/{name}", **params)
    assert page.status_code == 200, page.text[:300]
    rows = ledger.view_rows(name, params)
    counted = f"{len(rows):,} row{'s' if len(rows) != 1 else ''}" if rows else "no rows"
    headings = _headings(page.text)
    assert headings[0] == f"{name}: {load_projections()[name].description}"
    assert headings[1] == f"{name}: {counted} (show its SQL)"
    assert "Custom SQL query" not in page.text


_SUBMITS = r'<input type="submit" value="([^"]*)"'


@pytest.mark.parametrize(("name", "params"), EVERY_VIEW, ids=str)
def test_a_views_form_shows_the_view_and_offers_no_sql_to_edit(
    ledger: Ledger, name: str, params: dict[str, str]
) -> None:
    """A view's form was submitted with Datasette's "Run SQL", beside an "Edit SQL" link
    into writing SQL against the views: its button says "Show" and no link leads to SQL."""
    page = ledger.get(f"/views/{name}", **params).text
    assert re.findall(_SUBMITS, page) == ["Show"]
    assert "Edit SQL" not in page and "canned-query-edit-sql" not in page
    assert f'action="/views/{name}" method="get"' in page


def test_a_query_of_ones_own_is_still_a_custom_sql_query(ledger: Ledger) -> None:
    own = ledger.get("/views", sql="SELECT code FROM organisations LIMIT 3")
    assert "Custom SQL query returning 3 rows" in _headings(own.text)[1]
    assert re.findall(_SUBMITS, own.text) == ["Run SQL"]


def _orgs(ledger: Ledger, text: str) -> set[str]:
    said = ledger.cli("orgs", text, "--format", "json")
    return {row["code"] for row in json.loads(said.stdout)} if said.exit_code == 0 else set()


def _searched(ledger: Ledger, text: str) -> set[str]:
    found = ledger.get("/search/organisations.json", _search=text, _shape="array", _size="max")
    assert found.status_code == 200, found.text
    return {row["code"] for row in found.json()}


@pytest.mark.parametrize(
    "text", ["Cambridge", "Newcas", "newcastle gateshead", "GATESHEAD", "13t", "shire and"]
)
def test_the_search_finds_any_part_of_a_name_as_ledger_orgs_does(ledger: Ledger, text: str) -> None:
    """A reader who types part of a word finds what ``ledger orgs`` finds for it."""
    found = _searched(ledger, text)
    assert found == _orgs(ledger, text)
    assert found, text


def test_the_search_finds_cambridgeshire_by_part_of_its_name(ledger: Ledger) -> None:
    names = {
        row["code"]: row["name"]
        for row in json.loads(ledger.cli("orgs", "--format", "json").stdout)
    }
    cambridgeshire = {code for code, name in names.items() if "Cambridgeshire" in (name or "")}
    assert cambridgeshire
    assert cambridgeshire <= _searched(ledger, "Cambridge")
    page = ledger.get("/search/organisations", _search="Newcas").text
    assert 'href="/-/organisation/13T"' in page


@pytest.mark.parametrize("text", ["", " ", "Y", "13", ' "" '])
def test_a_search_too_short_to_find_anything_says_so(ledger: Ledger, text: str) -> None:
    for ending in (".json", ""):
        refused = ledger.get(f"/search/organisations{ending}", _search=text)
        assert refused.status_code == 400, (text, refused.text)
        said = error_shown(refused)
        assert "parameter _search: give at least 3 characters of a code or name" in said
    by_column = ledger.get("/search/organisations.json", _search_name="ab")
    assert by_column.status_code == 400
    assert "parameter _search_name: give at least 3 characters" in by_column.json()["error"]


def test_one_answer_may_hold_no_more_than_ledger_querys(ledger: Ledger) -> None:
    """Twenty values of 9 MB, each under the limit on one value, made an answer of 180 MB
    (and gigabytes of memory as JSON): it is refused as ``ledger query`` refuses it."""
    sql = "SELECT zeroblob(9000000) AS blob FROM postings LIMIT 20"
    said = ledger.cli("query", sql)
    assert said.exit_code == 1
    message = said.output.strip().removeprefix("Error: ")
    assert message == ANSWER_TOO_LARGE
    assert f"larger than {MAX_ANSWER_BYTES // 1_000_000} MB" in message
    for ending in (".json", ".csv", ""):
        response = ledger.get(f"/views{ending}", sql=sql)
        assert response.status_code == 400, (ending, response.text[:200])
        assert message in error_shown(response), ending
    lengths = "SELECT length(zeroblob(9000000)) AS n FROM postings LIMIT 20"
    small = ledger.get("/views.json", sql=lengths, _shape="array")
    assert small.json() == [{"n": 9_000_000}] * 20
    page = ledger.get("/views/postings.json", _size="max", _shape="array")
    assert page.status_code == 200
    assert len(page.json()) == len(
        json.loads(
            ledger.cli("query", "SELECT posting_id FROM postings", "--format", "json").stdout
        )
    )
