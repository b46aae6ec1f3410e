"""`ledger check` compares the views with a fresh projection of the store row by row, by
each table's key: it says how many rows of a table differ and names the first, and views
that move on while it compares them are compared with a projection made again."""

import sqlite3

from factories import allocation, transfer, world
from stores import append, new_store

from ledger.explain import checks
from ledger.explain.checks import MATCH_CHECK, check_all
from ledger.views.refresh import caught_up, replay


def checked(tmp_path, *more):
    """A store of the world, an allocation and a transfer, its views caught up, and the
    store's ledger."""
    ledger = new_store(tmp_path / "ledger.db", [*world(), allocation(), transfer(), *more])
    caught_up(ledger, tmp_path / "views.db").close()
    return ledger


def match_failures(ledger, views):
    """What check says of the views against a fresh projection (up to how to fix it)."""
    failures = check_all(ledger, lambda: views).failures
    return [f.message.split("; run: ")[0] for f in failures if f.check == MATCH_CHECK]


def test_rows_only_in_the_views_and_only_in_the_fresh_projection_are_each_named(tmp_path):
    ledger = checked(tmp_path)
    views = tmp_path / "views.db"
    with sqlite3.connect(views) as db:
        # A posting copied under another record's id, an organisation taken away.
        db.execute(
            "INSERT INTO postings (record_id, kind, measure, account, side, financial_year, "
            "as_at, version) SELECT 'planted', kind, measure, account, side, financial_year, "
            "as_at, version FROM postings WHERE record_id = 'transfer-05Q'"
        )
        db.execute("DELETE FROM organisations WHERE code = 'SPEC'")
    assert match_failures(ledger, views) == [
        "the postings table differs from a fresh projection of the store in 2 rows "
        "(the first: record_id 'planted', side 'from', version 0)",
        "the organisations table differs from a fresh projection of the store in 1 row "
        "(code 'SPEC')",
    ]


def test_views_that_move_on_during_the_check_are_compared_with_a_projection_made_again(
    tmp_path, monkeypatch
):
    ledger = checked(tmp_path)
    views = tmp_path / "views.db"
    made_until = []

    def replay_while_the_views_move_on(ledger_, path, known_by, *, until, recorded_by):
        if not made_until:  # another command imports a record and catches the views up
            append(ledger, [allocation("while-checking", account="05Q")])
            caught_up(ledger, views).close()
        made_until.append(until)
        return replay(ledger_, path, known_by, until=until, recorded_by=recorded_by)

    monkeypatch.setattr(checks, "replay", replay_while_the_views_move_on)
    report = check_all(ledger, lambda: views)
    assert [f for f in report.failures if f.check == MATCH_CHECK] == []
    positions = len(world()) + 2
    assert made_until == [positions, positions + 1]


def test_views_that_keep_moving_on_are_reported_not_compared(tmp_path, monkeypatch):
    ledger = checked(tmp_path)
    views = tmp_path / "views.db"
    made = []

    def replay_while_the_views_keep_moving(ledger_, path, known_by, *, until, recorded_by):
        made.append(until)
        append(ledger, [allocation(f"while-checking-{len(made)}", account="05Q")])
        caught_up(ledger, views).close()
        return replay(ledger_, path, known_by, until=until, recorded_by=recorded_by)

    monkeypatch.setattr(checks, "replay", replay_while_the_views_keep_moving)
    assert match_failures(ledger, views) == [
        "the views database moved on three times while it was being compared with a fresh "
        "projection of the store; run check again when nothing else is writing to it"
    ]  # (no table is named: the views were never still long enough to compare)
    assert len(made) == 3
