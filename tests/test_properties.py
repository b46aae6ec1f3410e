"""Properties over random input: valid histories keep every invariant; invalid records
are refused and leave the store exactly as it was."""

import sqlite3

from click.testing import CliRunner
from factories import allocation, forecast, plan, transfer, world, write_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stores import new_store
from test_point_in_time import histories

from ledger.cli import main
from ledger.explain.checks import check_all
from ledger.views.refresh import caught_up

SLOW_OK = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SLOW_OK
@given(history=histories())
def test_random_valid_histories_keep_every_invariant(tmp_path_factory, history):
    folder = tmp_path_factory.mktemp("valid")
    ledger = new_store(folder / "ledger.db", history)
    caught_up(ledger, folder / "views.db").close()
    report = check_all(ledger, lambda: folder / "views.db")
    assert report.failures == []
    ledger.close()


VALID = [allocation("v-alloc"), transfer("v-transfer"), plan("v-plan"), forecast("v-forecast")]
REQUIRED = ["id", "kind", "as_at", "source", "locator", "financial_year"]


def _mutations():
    def drop(key):
        return lambda record: {k: v for k, v in record.items() if k != key}

    def put(key, value):
        return lambda record: {**record, key: value}

    return st.sampled_from(
        [drop(key) for key in REQUIRED]
        + [
            put("amount", 8.6),
            put("amount", "£1.001"),
            put("amount", "lots"),
            put("as_at", "2013-02-30"),
            put("as_at", 20130930),
            put("financial_year", "2013-15"),
            put("kind", "budget-line"),
            put("id", "bad id"),
            put("colour", "red"),
            put("period", "M13"),
            put("source", "no-such-document"),
        ]
    )


@SLOW_OK
@given(
    record=st.sampled_from(VALID),
    mutate=_mutations(),
    neighbours=st.lists(st.sampled_from(VALID), max_size=3, unique_by=lambda r: r["id"]),
)
def test_random_invalid_records_are_refused_and_change_nothing(
    tmp_path_factory, record, mutate, neighbours
):
    folder = tmp_path_factory.mktemp("invalid")
    store = str(folder / "ledger.db")
    runner = CliRunner()
    assert (
        runner.invoke(
            main, ["--store", store, "import", str(write_jsonl(folder / "w.jsonl", world()))]
        ).exit_code
        == 0
    )
    with sqlite3.connect(store) as db:
        before = db.execute("SELECT rowid, state FROM stored_events ORDER BY rowid").fetchall()
    bad = mutate(record)
    neighbours = [neighbour for neighbour in neighbours if neighbour["id"] != record["id"]]
    path = write_jsonl(folder / "bad.jsonl", [*neighbours, bad])
    result = runner.invoke(main, ["--store", store, "import", str(path)])
    assert result.exit_code == 1, (bad, result.output)
    assert f"{path}:{len(neighbours) + 1}: " in result.stderr
    with sqlite3.connect(store) as db:
        assert (
            db.execute("SELECT rowid, state FROM stored_events ORDER BY rowid").fetchall() == before
        )
