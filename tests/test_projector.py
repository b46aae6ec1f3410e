"""The projector: rows and position move together, catching up equals rebuilding."""

import sqlite3
from datetime import date, timedelta

import pytest
from factories import SOURCE_ID, allocation, correction, forecast, plan, transfer, world
from stores import append, caught_up_view, new_store

from ledger.views import projector
from ledger.views.database import ViewsDatabase
from ledger.views.errors import ViewsError
from ledger.views.known_years import KnownYears
from ledger.views.page import Page
from ledger.views.projector import catch_up
from ledger.views.refresh import caught_up, replay

HISTORY = [
    *world(),
    allocation(),
    allocation("alloc-05Q", account="05Q", amount="£300m"),
    transfer(as_at="2013-10-15"),
    plan(as_at="2013-06-30"),
    forecast(as_at="2013-10-20"),
    correction("fix-transfer", "transfer-05Q", action="replace", amount="£4m", as_at="2013-11-01"),
    correction("drop-plan", "plan-06H", as_at="2013-11-02"),
]


def table_rows(path, table):
    with sqlite3.connect(path) as db:
        columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})") if c[1] != "posting_id"]
        return sorted(db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(), key=repr)


def caught_up_in_steps_and_rebuilt(tmp_path):
    """Views of HISTORY caught up after its first seven records, then after each of the
    rest; and views rebuilt from the whole of it."""
    ledger = new_store(tmp_path / "ledger.db", HISTORY[:7])
    stepwise = tmp_path / "stepwise.db"
    caught_up(ledger, stepwise).close()
    for record in HISTORY[7:]:
        append(ledger, [record])
        caught_up(ledger, stepwise).close()
    rebuilt = tmp_path / "rebuilt.db"
    replay(ledger, rebuilt)
    return stepwise, rebuilt


def test_catching_up_in_steps_gives_the_same_tables_as_one_rebuild(tmp_path):
    stepwise, rebuilt = caught_up_in_steps_and_rebuilt(tmp_path)
    for table in ("postings", "organisations", "sources"):
        assert table_rows(stepwise, table) == table_rows(rebuilt, table)
    assert ViewsDatabase(stepwise).tracking.position == len(HISTORY)


def digests(path):
    """The views database's position and table digests, and its schema."""
    views = ViewsDatabase(path)
    try:
        schema = views.conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name")
        return views.digests(), schema.fetchall()
    finally:
        views.close()


@pytest.mark.parametrize("corrections_at_a_time", [projector._Build.SLICE, 1])
def test_a_build_applies_its_corrections_at_the_end_as_catching_up_does_page_by_page(
    tmp_path, monkeypatch, corrections_at_a_time
):
    """A rebuild holds every correction back and applies them in one pass once every
    posting is in (a slice at a time, each slice's allocation days written with it),
    making the unique index only then; catching up applies them a page at a time. The
    tables, their rows and their indexes come out the same."""
    monkeypatch.setattr(projector._Build, "SLICE", corrections_at_a_time)
    erratum = {
        "id": "erratum-05Q", "kind": "erratum", "fixes": "alloc-05Q",
        "recorded": (date.today() - timedelta(days=7)).isoformat(),
        "set": {"amount": "£310m"}, "reason": "typed wrongly", "source": SOURCE_ID,
        "locator": "erratum note",
    }  # fmt: skip
    history = [
        *world(),
        allocation(),
        allocation("alloc-05Q", account="05Q", amount="£300m"),
        erratum,
        transfer(as_at="2013-10-15"),
        plan(as_at="2013-06-30"),
        correction("fix-transfer", "transfer-05Q", action="replace", amount="£4m",
                   as_at="2013-12-01"),
        # Stored later but known earlier: version 2, chained before version 1.
        correction("fix-transfer-earlier", "transfer-05Q", action="replace", amount="£3m",
                   as_at="2013-11-01"),
        correction("drop-plan", "plan-06H", as_at="2013-11-02"),
        correction("fix-05Q", "alloc-05Q", action="replace", amount="£320m", as_at="2013-12-05"),
        forecast(as_at="2013-12-20"),
    ]  # fmt: skip
    ledger = new_store(tmp_path / "ledger.db", history)
    stepwise = tmp_path / "stepwise.db"
    views = ViewsDatabase.open(stepwise)
    for until in (9, 12, None):  # in steps, two events a page
        catch_up(ledger, views, page_size=2, until=until)
    views.close()
    rebuilt = tmp_path / "rebuilt.db"
    replay(ledger, rebuilt)
    assert digests(rebuilt) == digests(stepwise)

    rows = ViewsDatabase(rebuilt).conn.execute(
        "SELECT record_id, version, as_at, valid_to, amount_pence, delta_pence FROM postings "
        "WHERE side != 'from' AND (record_id = 'transfer-05Q' OR version > 0) "
        "ORDER BY record_id, version"
    )
    assert rows.fetchall() == [
        ("alloc-05Q", 1, "2013-12-05", None, 32_000_000_000, 1_000_000_000),
        ("plan-06H", 1, "2013-11-02", None, None, 0),
        ("transfer-05Q", 0, "2013-10-15", "2013-11-01", 500_000_000, 500_000_000),
        ("transfer-05Q", 1, "2013-12-01", None, 400_000_000, 100_000_000),
        ("transfer-05Q", 2, "2013-11-01", "2013-12-01", 300_000_000, -200_000_000),
    ]


def test_a_crash_between_rows_and_position_cannot_count_twice(tmp_path, monkeypatch):
    ledger = new_store(tmp_path / "ledger.db", HISTORY)
    views_path = tmp_path / "views.db"
    views = ViewsDatabase.open(views_path)
    real_apply = Page.apply

    def crash_on_correction(self, fields, position, known_by, fixes):
        if fields["kind"] == "correction":
            raise KeyboardInterrupt("power cut")
        real_apply(self, fields, position, known_by, fixes)

    monkeypatch.setattr(projector, "PAGE_SIZE", 4)
    monkeypatch.setattr(Page, "apply", crash_on_correction)
    with pytest.raises(KeyboardInterrupt):
        catch_up(ledger, views)
    # Pages before the crash were committed with their position (two allocations and the
    # two sides of the transfer); the page that crashed left nothing behind.
    assert views.tracking.position == 8
    assert views.db.execute("SELECT COUNT(*) FROM postings").fetchone()[0] == 4
    views.close()

    monkeypatch.setattr(Page, "apply", real_apply)
    rows = caught_up_view(ledger, views_path, "ccg-budgets", year="2013-14")
    assert {row["code"]: row["allocation_pence"] for row in rows} == {
        "06H": 84_920_400_000,
        "05Q": 30_000_000_000 - 400_000_000,
    }


def test_a_views_database_of_another_store_is_refused(tmp_path):
    first = new_store(tmp_path / "first.db", HISTORY[:6])
    second = new_store(tmp_path / "second.db", [*world(), plan()])
    views_path = tmp_path / "views.db"
    caught_up(first, views_path).close()
    with pytest.raises(ViewsError, match="was built from another store"):
        caught_up(second, views_path)


def test_a_file_that_is_not_a_views_database_is_left_alone(tmp_path):
    other = tmp_path / "mine.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text)")
    with pytest.raises(ViewsError, match="is not a ledger views database"):
        ViewsDatabase.open(other)
    with sqlite3.connect(other) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("notes",)]


def test_a_transfer_posts_both_sides_and_a_correction_adds_versions(tmp_path):
    ledger = new_store(tmp_path / "ledger.db", HISTORY)
    views = caught_up(ledger, tmp_path / "views.db")
    rows = views.db.execute(
        "SELECT account, side, version, as_at, valid_to, amount_pence, delta_pence "
        "FROM postings WHERE record_id = 'transfer-05Q' ORDER BY side, version"
    ).fetchall()
    assert rows == [
        ("05Q", "from", 0, "2013-10-15", "2013-11-01", -500_000_000, -500_000_000),
        ("05Q", "from", 1, "2013-11-01", None, -400_000_000, 100_000_000),
        ("SPEC", "to", 0, "2013-10-15", "2013-11-01", 500_000_000, 500_000_000),
        ("SPEC", "to", 1, "2013-11-01", None, 400_000_000, -100_000_000),
    ]


def test_a_corrected_version_keeps_the_record_and_cites_the_correction(tmp_path):
    amended = correction(
        "amend-transfer", "transfer-05Q", action="replace", amount="£4m",
        as_at="2013-11-01", reason="amended at month 7", locator="para 12",
    )  # fmt: skip
    ledger = new_store(tmp_path / "ledger.db", [*world(), transfer(as_at="2013-10-15"), amended])
    views = caught_up(ledger, tmp_path / "views.db")
    columns = (
        "kind, measure, account, counterparty, financial_year, effective, precedence, unit, "
        "version, as_at, position, amount_pence, correction_id, reason, locator"
    )
    first, corrected = views.db.execute(
        f"SELECT {columns} FROM postings WHERE record_id = 'transfer-05Q' AND side = 'to' "
        "ORDER BY version"
    ).fetchall()
    assert corrected[:8] == first[:8]  # the record's columns, as first recorded
    assert first[8:] == (
        0, "2013-10-15", 6, 500_000_000, None, "specialised services rebasing", "table 1",
    )  # fmt: skip
    assert corrected[8:] == (1, "2013-11-01", 7, 400_000_000, "amend-transfer",
                             "amended at month 7", "para 12")  # fmt: skip
    assert first[:4] == ("transfer", "allocation", "SPEC", "05Q")


def test_known_years_keep_the_first_day_each_kind_measure_and_year_was_known(tmp_path):
    """known_years holds, for each kind, measure and year of the postings, the earliest
    known date of any of their versions, whether the views were rebuilt or caught up."""
    for path in caught_up_in_steps_and_rebuilt(tmp_path):
        with sqlite3.connect(path) as db:
            known = dict(
                ((kind, measure, year), first)
                for kind, measure, year, first in db.execute("SELECT * FROM known_years")
            )
            earliest = db.execute(
                "SELECT kind, measure, financial_year, MIN(as_at) FROM postings GROUP BY 1, 2, 3"
            )
            assert known == {
                (kind, measure, year): first for kind, measure, year, first in earliest
            }
        assert known[("transfer", "allocation", "2013-14")] == "2013-10-15"
        assert known[("plan", "plan", "2013-14")] == "2013-06-30"


def test_known_years_keep_the_earlier_date():
    known = KnownYears()
    known.add("transfer", "allocation", "2013-14", "2013-10-15")
    known.add("transfer", "allocation", "2013-14", "2013-11-01")
    known.add("transfer", "allocation", "2013-14", "2013-09-30")
    known.add("plan", "plan", "2013-14", "2013-12-01")
    assert known.first == {
        ("transfer", "allocation", "2013-14"): "2013-09-30",
        ("plan", "plan", "2013-14"): "2013-12-01",
    }
