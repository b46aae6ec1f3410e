"""Issue 20, item 3: tables show a source's short title and date beside its id, and
``ledger sources [ID]`` lists the sources and how many records cite each."""

import json
from collections import Counter

import pytest
from conftest import REPOSITORY
from stores import published_ledger


def _events():
    for path in sorted((REPOSITORY / "events").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)


SOURCES = {record["id"]: dict(record) for record in _events() if record["kind"] == "source"}
for _erratum in _events():  # a source as its errata leave it (one fixes a date)
    if _erratum["kind"] == "erratum" and _erratum["fixes"] in SOURCES:
        SOURCES[_erratum["fixes"]].update(_erratum.get("set", {}))
CITED = Counter(record.get("source") for record in _events())


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return published_ledger(tmp_path_factory.mktemp("sources"))


def test_sources_lists_every_source_with_how_many_records_cite_it(ledger):
    result = ledger("sources", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {row["id"] for row in rows} == set(SOURCES)
    for row in rows:
        recorded = SOURCES[row["id"]]
        for field in ("title", "publisher", "published", "dated_by"):
            assert row[field] == recorded[field]
        assert row["records"] == CITED[row["id"]]
    # the HSJ report cited by the 2013-14 deficit figures, and by errata of its own
    assert CITED["2ed371ee3bf9cfd1"] > 0
    assert [row["published"] for row in rows] == sorted(row["published"] for row in rows)


def test_sources_table_has_the_asked_columns(ledger):
    result = ledger("sources")
    assert result.exit_code == 0
    heading = result.stdout.splitlines()[0].split()
    assert heading == ["id", "published", "records", "title", "publisher", "dated_by"]


def test_one_source_in_full(ledger):
    result = ledger("sources", "2ed371ee3bf9cfd1", "--format", "json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    recorded = SOURCES["2ed371ee3bf9cfd1"]
    assert row["covers"] == recorded["covers"]
    assert row["title"] == recorded["title"]
    assert row["records"] == CITED["2ed371ee3bf9cfd1"]


def test_an_unknown_source_is_a_one_line_error(ledger):
    result = ledger("sources", "2ed371ee")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: no source with id '2ed371ee'; ids containing it: 2ed371ee3bf9cfd1"
    )
    assert len(result.stderr.splitlines()) == 1


def _title_and_date(source_id):
    recorded = SOURCES[source_id]
    return recorded["title"].split(" (")[0][:20], recorded["published"]


def test_audit_table_shows_the_title_and_date_beside_the_source_id(ledger):
    table = ledger("audit", "06H", "allocation", "--year", "2013-14")
    assert table.exit_code == 0, table.output
    allocation = next(line for line in table.stdout.splitlines() if "alloc-2013-14-06H " in line)
    start, published = _title_and_date("data-ccg-allocations")
    assert f"data-ccg-allocations [{start}" in allocation
    assert f", {published}] line " in allocation
    # JSON keeps the id and locator alone
    rows = json.loads(
        ledger("audit", "06H", "allocation", "--year", "2013-14", "--format", "json").stdout
    )
    sources = {row["source"].split(" ")[0] for row in rows}
    assert "data-ccg-allocations" in sources
    assert not any("[" in row["source"] for row in rows)


def test_view_and_log_tables_show_the_title_beside_the_source(ledger):
    view = ledger("view", "reconciliation", "-p", "year", "2014-15")
    assert view.exit_code == 0, view.output
    start, published = _title_and_date("2e2143a5dd6c4027")
    assert f"2e2143a5dd6c4027 [{start}" in view.stdout
    assert f", {published}]" in view.stdout
    csv_lines = ledger("view", "reconciliation", "-p", "year", "2014-15", "--format", "csv").stdout
    assert "[" not in csv_lines
    log = ledger("log", "--kind", "figure", "--year", "2014-15")
    assert log.exit_code == 0
    assert f"2e2143a5dd6c4027 [{start}" in log.stdout
