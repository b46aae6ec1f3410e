"""ledger serve without a browser: Datasette's own test client against the real events/.

Every canned query answers exactly the rows of ``ledger view`` with the same parameters
(defaults included, an empty form field counting as not given); a bad parameter gets
``ledger view``'s message; tables and columns are described from projections/README.md;
the organisation search, the organisation page and the timeline of a figure agree with
``ledger orgs`` and ``ledger audit``; the views catch up when the store moves on."""

from __future__ import annotations

import asyncio
import html
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.records.money import format_pounds
from ledger.views.projections import load_projections
from ledger.views.tables import TABLES

pytest.importorskip("datasette", reason="ledger serve needs the web extra (datasette)")

from served import Ledger, error_shown  # noqa: E402

from ledger.web.app import build  # noqa: E402
from ledger.web.metadata import describe_tables, readme_path  # noqa: E402

# Parameters of each view tried besides its defaults (every view is tried with none).
EXAMPLES: dict[str, list[dict[str, str]]] = {
    "ccg-budgets": [
        {"year": "2013-14", "group": "region"},
        {"year": "2013-14", "as_at": "2013-12-31", "group": "region"},
        {"year": "2013-14", "boundaries": "2023-24", "group": "region"},
        {"year": "2016-17", "compare": "2015-16", "area_team": "Q56"},
    ],
    "baseline": [{"name": "september-2013", "area_team": "Q56"}],
    "audit": [
        {"account": "13T", "year": "2013-14"},
        {"account": "ccg-sector", "measure": "ccgs-forecasting-deficit", "year": "2013-14"},
    ],
    "deficit-forecasts": [{"year": "2013-14"}],
    "drawdown": [{"year": "2014-15"}],
    "national-position": [{"year": "2014-15"}],
    "qipp": [{"year": "2013-14", "as_at": "2013-09-30"}],
    "reconciliation": [{"year": "2014-15"}],
    "specialised-net-change": [{"year": "2013-14"}],
    "system-position": [{"year": "2014-15"}],
}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    yield Ledger(tmp_path_factory.mktemp("serve"))


def _cases() -> list[tuple[str, dict[str, str]]]:
    cases = [(name, {}) for name in load_projections()]
    return cases + [(name, params) for name, tried in EXAMPLES.items() for params in tried]


@pytest.mark.parametrize(("name", "params"), _cases(), ids=lambda value: str(value))
def test_every_canned_query_answers_the_rows_of_ledger_view(
    ledger: Ledger, name: str, params: dict[str, str]
) -> None:
    response = ledger.get(f"/views/{name}.json", **params, _shape="array")
    assert response.status_code == 200, response.text
    assert response.json() == ledger.view_rows(name, params)


def test_every_view_is_a_canned_query_described_by_its_header(ledger: Ledger) -> None:
    projections = load_projections()
    queries = ledger.get("/views.json").json()["queries"]
    assert {query["name"] for query in queries} == set(projections)
    for query in queries:
        projection = projections[query["name"]]
        assert query["description"] == projection.description
        assert all(
            f"<code>{p.name}</code>" in query["description_html"] for p in projection.parameters
        )
        assert query["params"] == [p.name for p in projection.parameters]
    assert "recorded_by" not in {p for query in queries for p in query["params"]}


def test_empty_fields_are_the_defaults(ledger: Ledger) -> None:
    blank = {"year": "", "as_at": "", "boundaries": "", "group": "region", "region": ""}
    response = ledger.get("/views/ccg-budgets.json", **blank, _shape="array")
    assert response.json() == ledger.view_rows("ccg-budgets", {"group": "region"})
    assert response.json() != ledger.view_rows("ccg-budgets", {"group": "ccg"})


def test_the_four_regions_of_2013_14(ledger: Ledger) -> None:
    rows = ledger.get(
        "/views/ccg-budgets.json", year="2013-14", group="region", _shape="array"
    ).json()
    england = ledger.view_rows("ccg-budgets", {"year": "2013-14", "group": "england"})
    assert [row["code"] for row in rows] == ["Y54", "Y55", "Y56", "Y57"]
    assert sum(row["allocation_pence"] for row in rows) == england[0]["allocation_pence"]


def test_a_parameter_is_checked_and_normalised_as_ledger_view_does(ledger: Ledger) -> None:
    wrong = ledger.get("/views/ccg-budgets.json", year="2013")
    said = ledger.cli("view", "ccg-budgets", "-p", "year", "2013")
    assert wrong.status_code == 400
    assert said.exit_code == 1
    assert said.output.strip() == f"Error: {wrong.json()['error']}"
    page = ledger.get("/views/ccg-budgets", group="everything")
    assert page.status_code == 400
    assert "is not one of ccg, area_team, region, england" in page.text


# Addresses Datasette answers a named view at besides /views/NAME(.json|.csv): its name
# tilde-encoded (as Datasette writes names), the database's too, any case of the
# extension (.JSON is answered as HTML), and formats it answers as HTML.
SPELLINGS = [
    "/views/ccg~2Dbudgets.json",
    "/views/ccg~2dbudgets",
    "/v~69ews/ccg-budgets.json",
    "/views/ccg-budgets.JSON",
    "/views/ccg-budgets.Csv",
    "/views/ccg-budgets.tsv",
    "/views/ccg-budgets.blob",
    "/views/ccg~2Dbudgets.csv",
]
WRONG = [
    {"year": "2013-14", "group": "regions"},  # no choice, in any letters
    {"as_at": "2014-02-30"},
    {"year": "junk"},
]


@pytest.mark.parametrize("path", SPELLINGS)
@pytest.mark.parametrize("params", WRONG, ids=str)
def test_a_parameter_is_checked_at_every_address_of_a_view(
    ledger: Ledger, path: str, params: dict[str, str]
) -> None:
    said = _said(ledger, "ccg-budgets", params)
    response = ledger.get(path, **params)
    assert response.status_code == 400, response.text
    assert said in error_shown(response)
    assert response.headers["content-type"].startswith(
        "application/json" if path.endswith(".json") else "text/html"
    )
    if not path.endswith(".blob"):  # which answers only with _blob_column
        right = ledger.get(path, year="2013-14", group="region")
        assert right.status_code == 200
        assert "Y55" in right.text


def test_view_error_says_what_ledger_view_says(ledger: Ledger) -> None:
    params = {"year": "2013-14", "boundaries": "2012-13"}
    answer = ledger.get("/views/ccg-budgets.json", **params)
    said = ledger.cli("view", "ccg-budgets", "-p", "year", "2013-14", "-p", "boundaries", "2012-13")
    assert answer.status_code == 400
    assert said.output.strip() == f"Error: {answer.json()['error']}"
    page = ledger.get("/views/ccg-budgets", **params)
    assert "2012-13 is before 2013-14" in page.text


# Parameters each view stops on in its SQL (view_error), with ledger view's message.
VIEW_ERRORS = [
    ("ccg-budgets", {"year": "2099-00"}),
    ("ccg-budgets", {"region": "y55"}),
    ("audit", {"account": "ZZZ", "measure": "allocation", "year": "2013-14"}),
]


def _said(ledger: Ledger, name: str, params: dict[str, str]) -> str:
    """What ``ledger view`` says of a view stopped by its parameters, without "Error: "."""
    result = ledger.cli("view", name, *[arg for item in params.items() for arg in ("-p", *item)])
    assert result.exit_code == 1, result.output
    said: str = result.output.strip().removeprefix("Error: ")
    return said


@pytest.mark.parametrize(("name", "params"), VIEW_ERRORS, ids=str)
@pytest.mark.parametrize("ending", [".csv", ".json", "", ".tsv", ".blob", ".jsono"])
def test_a_views_error_is_a_400_with_its_message_in_every_format(
    ledger: Ledger, name: str, params: dict[str, str], ending: str
) -> None:
    said = _said(ledger, name, params)
    response = ledger.get(f"/views/{name}{ending}", **params)
    assert response.status_code == 400, response.text
    assert said in error_shown(response)
    assert "user-defined function" not in response.text


def test_arbitrary_sql_that_fails_is_a_400_in_csv_too(ledger: Ledger) -> None:
    for sql, said in (
        ("SELECT nosuch FROM sources", "no such column: nosuch"),
        ("SELECT view_error('stop here')", "stop here"),
        (
            "WITH x AS (SELECT 1) DELETE FROM postings",
            "the views database is read-only here: DELETE FROM postings is not allowed",
        ),
    ):
        for ending in (".csv", ".json", ""):
            response = ledger.get(f"/views{ending}", sql=sql)
            assert response.status_code == 400, (sql, ending, response.text)
            assert said in error_shown(response), (sql, ending)


def test_money_is_shown_in_pounds_and_kept_in_pence(ledger: Ledger) -> None:
    params = {"year": "2013-14", "group": "england"}
    pence = ledger.view_rows("ccg-budgets", params)[0]["allocation_pence"]
    assert format_pounds(pence) in ledger.get("/views/ccg-budgets", **params).text
    csv = ledger.get("/views/ccg-budgets.csv", **params).text
    assert str(pence) in csv and "£" not in csv


def test_tables_and_columns_are_described_from_projections_readme(ledger: Ledger) -> None:
    readme = readme_path()
    assert readme is not None
    described = describe_tables(readme.read_text(encoding="utf-8"))
    tables = ledger.get("/-/metadata.json").json()["databases"]["views"]["tables"]
    for name, table in TABLES.items():
        assert tables[name]["description"], name
        assert set(tables[name]["columns"]) == set(table["columns"]), name
        assert tables[name] == described[name]
    assert tables["lineage"]["columns"]["basis"] == "what a split's weights count"
    page = ledger.get("/views/lineage").text
    assert "what a split&#39;s weights count" in page or "what a split's weights count" in page


def test_each_column_of_a_reference_table_is_described_as_itself() -> None:
    """A column named in a list of its table's row in projections/README.md has its own
    meaning, not its neighbours' taken together."""
    readme = readme_path()
    assert readme is not None
    described = describe_tables(readme.read_text(encoding="utf-8"))
    sources, errata = described["sources"]["columns"], described["errata"]["columns"]
    assert (sources["title"], sources["publisher"], sources["published"]) == (
        "what the document is called", "who published it", "the day it was published",
    )  # fmt: skip
    assert sources["licence"] != sources["attribution"]
    assert errata["field"] == "the field the erratum changes, or (the record) when it withdraws it"


def test_the_index_names_the_licence_and_the_sources(ledger: Ledger) -> None:
    page = ledger.get("/").text
    assert "Open Government Licence v3.0" in page
    sources = ledger.get("/views/sources.json", _shape="array", _size="max").json()
    for source in sources:
        assert f"/views/sources/{source['id']}" in page


def test_arbitrary_sql_reads_but_cannot_write(ledger: Ledger) -> None:
    count = ledger.get("/views.json", sql="SELECT COUNT(*) AS n FROM organisations", _shape="array")
    assert count.json() == [{"n": 380}] or count.json()[0]["n"] > 0
    for sql in (
        "SELECT load_extension('x')",
        "WITH x AS (SELECT 1) DELETE FROM postings",
        "WITH x AS (SELECT 1) INSERT INTO sources (id) SELECT 'mine' FROM x",
    ):
        refused = ledger.get("/views.json", sql=sql)
        assert refused.status_code == 400
        said = ledger.cli("query", sql)  # ledger query's words for the same statement
        assert said.exit_code == 1
        assert refused.json()["error"] == said.stderr.strip().removeprefix("Error: ")
    assert ledger.get("/views.json", sql="SELECT view_error('stop here')").json()["error"] == (
        "stop here"
    )
    assert ledger.get("/search.json", sql="SELECT 1").status_code == 403
    for path in ("/views/ccg-budgets", "/views/-/create", "/views/sources/-/insert"):
        posted = asyncio.run(ledger.datasette.client.post(path, json={"rows": []}))
        assert posted.status_code >= 400, path  # nothing here writes
    settings = ledger.get("/-/settings.json").json()
    assert settings["sql_time_limit_ms"] == 5000
    assert settings["allow_download"] is False


def test_no_value_may_grow_past_ledger_querys_limit(ledger: Ledger) -> None:
    said = ledger.cli("query", "SELECT zeroblob(20000000)")
    assert said.exit_code == 1
    message = said.output.strip().removeprefix("Error: ")
    assert message == "the query makes a text or blob larger than 10 MB"
    for sql in ("SELECT randomblob(20000000)", "SELECT hex(zeroblob(6000000))"):
        for ending in (".json", ".csv", ""):
            response = ledger.get(f"/views{ending}", sql=sql)
            assert response.status_code == 400, (sql, ending)
            assert message in error_shown(response), (sql, ending)
    small = ledger.get("/views.json", sql="SELECT length(zeroblob(9000000)) AS n", _shape="array")
    assert small.json() == [{"n": 9_000_000}]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize(
    "path",
    ["/views/sources", "/views/ccg-budgets", "/views/ccg-budgets.json", "/search/organisations",
     "/views.json", "/views/sources/-/insert", "/-/organisation/13T", "/"],
)  # fmt: skip
def test_the_interface_is_read_only_any_other_method_is_a_405(
    ledger: Ledger, method: str, path: str
) -> None:
    before = ledger.get("/views/sources.json", _shape="array", _size="max").json()
    answer = asyncio.run(ledger.datasette.client.request(method, path, json={"rows": []}))
    assert answer.status_code == 405, answer.text
    assert answer.headers["allow"] == "GET, HEAD"
    assert "read-only" in error_shown(answer)
    assert ledger.get("/views/sources.json", _shape="array", _size="max").json() == before


# Datasette's options on a table that it cannot use, each with the option named.
BAD_OPTIONS = [
    ({"_sort": "nosuch"}, "parameter _sort: 'nosuch' is not a column of this table"),
    ({"_sort_desc": "nosuch"}, "parameter _sort_desc: 'nosuch' is not a column"),
    ({"_sort": "account", "_sort_desc": "account"}, "_sort and _sort_desc: give one"),
    ({"_sort": "rowid", "_next": "a"}, "parameter _sort: 'rowid' is not a column"),
    ({"_through": "{}"}, 'parameter _through: give {"table": TABLE'),
    ({"_through": "abc"}, "parameter _through: 'abc' is not JSON"),
    ({"_through": '{"table": "x", "column": "y", "value": 1}'}, "Invalid _through"),
    ({"_through": '{"table": "x", "column": "y", "value": {}}'}, "_through: values are text"),
    ({"_timelimit": "soon"}, "parameter _timelimit: 'soon' is not a whole number"),
    ({"_facet": "{x"}, "parameter _facet: '{x' is not JSON"),
    ({"_facet": "{}"}, 'parameter _facet: give {"simple": COLUMN}'),
    ({"_facet_array": "{x"}, "parameter _facet_array: '{x' is not JSON"),
    ({"_facet_size": "{x"}, "parameter _facet_size: '{x' is not JSON"),
    ({"account__in": "["}, "parameter account__in: '[' is not JSON"),
    ({"account__notin": "[{}]"}, "parameter account__notin: values are text or numbers"),
    ({"account__in": "{}"}, None),  # not JSON to Datasette: a list of one value
    ({"_col": "nosuch"}, "_col=nosuch - invalid columns"),
    ({"_nocol": "nosuch"}, "_nocol=nosuch - invalid columns"),
    ({"_size": "abc"}, "_size must be a positive integer"),
    ({"_where": "nosuch = 1"}, "no such column: nosuch"),
    ({"_search": "x"}, None),
    ({"_next": "abc"}, None),
]


@pytest.mark.parametrize(("options", "said"), BAD_OPTIONS, ids=str)
@pytest.mark.parametrize("ending", [".json", ".csv", ""])
def test_datasettes_options_that_cannot_be_used_are_a_400_naming_them(
    ledger: Ledger, options: dict[str, str], said: str | None, ending: str
) -> None:
    response = ledger.get(f"/views/postings{ending}", **options)
    if said is None:
        assert response.status_code in (200, 400), response.text
    else:
        assert response.status_code == 400, response.text
        assert said in error_shown(response)


def test_options_are_checked_on_queries_and_the_search_too(ledger: Ledger) -> None:
    for path, options, said in (
        ("/views/ccg-budgets.json", {"_timelimit": "soon"}, "parameter _timelimit"),
        ("/views.json", {"sql": "SELECT 1", "_timelimit": "x"}, "parameter _timelimit"),
        ("/search/organisations.json", {"_sort": "nosuch"}, "parameter _sort: 'nosuch'"),
    ):
        response = ledger.get(path, **options)
        assert response.status_code == 400, (path, response.text)
        assert said in error_shown(response)
    by_rowid = ledger.get("/search/organisations.json", _sort="rowid", _shape="array")
    assert by_rowid.status_code == 200
    assert by_rowid.json()[0]["code"]
    ordered = ledger.get("/views/postings.json", _sort_desc="posting_id", _shape="array")
    ids = [row["posting_id"] for row in ordered.json()]
    assert ids == sorted(ids, reverse=True) and len(ids) > 1


def test_search_finds_an_organisation_by_any_of_its_names(ledger: Ledger) -> None:
    found = ledger.get("/search/organisations.json", _search="gateshead", _shape="array").json()
    orgs = ledger.cli("orgs", "gateshead", "--format", "json")
    assert {row["code"] for row in found} == {row["code"] for row in json.loads(orgs.stdout)}
    assert "13T" in {row["code"] for row in found}
    page = ledger.get("/search/organisations", _search="gateshead").text
    assert 'href="/-/organisation/13T"' in page


def test_an_organisation_page_has_its_lineage_and_figures(ledger: Ledger) -> None:
    page = ledger.get("/-/organisation/13T")
    assert page.status_code == 200
    row = json.loads(ledger.cli("orgs", "13T", "--format", "json").stdout)[0]
    assert row["name"] in page.text
    for code in ("00F", "00G", "00H", "QHM"):
        assert f'href="/-/organisation/{code}"' in page.text
    audit = ledger.cli("audit", "13T", "allocation", "--year", "2013-14", "--format", "json")
    steps = [step for step in json.loads(audit.stdout) if step["kind"] != "erratum"]
    assert format_pounds(steps[-1]["after_pence"]) in page.text
    assert 'href="/-/timeline/13T/allocation/2013-14"' in page.text
    missing = ledger.get("/-/organisation/XXX")
    assert missing.status_code == 404


def test_a_timeline_is_the_audit_of_a_figure_with_its_sources(ledger: Ledger) -> None:
    page = ledger.get("/-/timeline/13T/allocation/2013-14")
    assert page.status_code == 200
    audit = ledger.cli("audit", "13T", "allocation", "--year", "2013-14", "--format", "json")
    steps = json.loads(audit.stdout)
    assert page.text.count("<tr>") == len(steps) + 1  # the heading row and one per step
    for step in steps:
        assert step["record"] in page.text
        if step["after_pence"] is not None:
            assert format_pounds(step["after_pence"]) in page.text
    sources = ledger.get("/views/sources.json", _shape="array", _size="max").json()
    titles = {source["id"]: source["title"] for source in sources}
    cited = {step["source"].split(" ")[0] for step in steps}
    for source in cited:
        assert f'href="/views/sources/{source}"' in page.text
        assert titles[source].replace("'", "&#39;") in page.text
    wrong = ledger.get("/-/timeline/13T/allocation/2013")
    assert wrong.status_code == 400
    assert "a financial year is written like 2013-14" in wrong.text


def test_the_views_catch_up_when_the_store_moves_on(ledger: Ledger, tmp_path: Path) -> None:
    shutil.copy(ledger.store, tmp_path / "ledger.db")
    moved = Ledger.__new__(Ledger)
    moved.store, moved.views = str(tmp_path / "ledger.db"), str(tmp_path / "views.db")
    moved.datasette = build(moved.store, moved.views)
    params = {"year": "2013-14", "group": "england"}
    before = moved.get("/views/ccg-budgets.json", **params, _shape="array").json()
    extra = tmp_path / "extra.jsonl"
    record = {
        "id": "alloc-2013-14-00C-serve-test", "kind": "allocation", "account": "00C",
        "financial_year": "2013-14", "period": "M9", "effective": "2013-12-31",
        "amount": "1,000k", "as_at": "2014-01-15", "source": "data-ccg-allocations",
        "locator": "line 2", "reason": "a test allocation",
    }  # fmt: skip
    extra.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert moved.cli("import", str(extra)).exit_code == 0
    after = moved.get("/views/ccg-budgets.json", **params, _shape="array").json()
    assert after[0]["allocation_pence"] - before[0]["allocation_pence"] == 100_000_000
    # A rebuild puts a new file in place: the pages read the new one, not the old.
    assert moved.get("/views/sources.json", _shape="array").status_code == 200
    assert moved.cli("rebuild").exit_code == 0
    record |= {"id": "alloc-2013-14-00C-serve-test-2", "as_at": "2014-02-15"}
    extra.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert moved.cli("import", str(extra)).exit_code == 0
    rebuilt = moved.get("/views/ccg-budgets.json", **params, _shape="array").json()
    assert rebuilt[0]["allocation_pence"] - after[0]["allocation_pence"] == 100_000_000
    # The index names the sources as they are now.
    source = {
        "id": "serve-test-source", "kind": "source", "title": "A source imported later",
        "publisher": "The tests", "published": "2014-03-01", "dated_by": "the test",
        "covers": "2013-14", "licence": "Open Government Licence v3.0",
    }  # fmt: skip
    assert "serve-test-source" not in moved.get("/").text
    extra.write_text(json.dumps(source) + "\n", encoding="utf-8")
    assert moved.cli("import", str(extra)).exit_code == 0
    index = moved.get("/").text
    assert '<a href="/views/sources/serve-test-source">A source imported later</a>' in index


def test_a_store_that_cannot_be_read_just_now_is_a_503_naming_it(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The team's server restarts while ``ledger serve`` runs: every page was a bare
    "Internal Server Error" (a traceback in the log) until it was back. Now the page
    says which store cannot be read, and the next page, once it can, is answered."""
    from eventsourcing.persistence import OperationalError

    from ledger.store.reading import LogReader

    shutil.copy(ledger.store, tmp_path / "ledger.db")
    moved = Ledger.__new__(Ledger)
    moved.store, moved.views = str(tmp_path / "ledger.db"), str(tmp_path / "views.db")
    moved.datasette = build(moved.store, moved.views)
    page = "/views/sources.json"
    assert moved.get(page).status_code == 200
    away = tmp_path / "elsewhere.db"
    shutil.move(moved.store, away)
    gone = moved.get(page)
    assert (gone.status_code, gone.json()["error"]) == (
        503,
        f"no ledger store at {moved.store} (create one with: ledger --store {moved.store} "
        "import events/)",
    )
    shutil.move(away, moved.store)
    assert moved.get(page).status_code == 200

    source = {
        "id": "serve-test-later", "kind": "source", "title": "A source imported later",
        "publisher": "The tests", "published": "2014-03-01", "dated_by": "the test",
        "covers": "2013-14",
    }  # fmt: skip
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps(source) + "\n", encoding="utf-8")
    assert moved.cli("import", str(extra)).exit_code == 0

    def server_gone(self: LogReader, *args: object) -> None:
        raise OperationalError("terminating connection due to administrator command")

    with monkeypatch.context() as patched:
        patched.setattr(LogReader, "records_after", server_gone)
        failed = moved.get("/views/sources")
    assert failed.status_code == 503
    assert (
        f"Error: the store at {moved.store} failed part-way (terminating connection due to "
        "administrator command); load the page again"
    ) in html.unescape(failed.text)
    assert "serve-test-later" in moved.get(page).text
