"""Each record side's version known first is marked (postings.is_earliest), so that a view
counts the records among some postings with a sum rather than a count of distinct ids
(issue 21): specialised-net-change's number of transfers, at ten million events a third
of its time."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from factories import correction, transfer, world
from stores import caught_up, new_store, published_ledger, succeeding, view
from test_projector_robust import append_unchecked, normalised

MILLION = 100_000_000


def marks(views: Path) -> list[tuple]:
    with sqlite3.connect(views) as db:
        return db.execute(
            "SELECT side, version, as_at, is_earliest FROM postings ORDER BY side, version"
        ).fetchall()


def test_a_correction_known_before_its_record_is_the_version_known_first(store, tmp_path):
    """A transfer of £5m to specialised commissioning known at the end of September; a
    correction to £3m, stored after it but known in July. Asked in August, the budget has
    one transfer, of the correction's £3m; asked in October, still one."""
    ledger = new_store(store, [*world(), transfer(as_at="2013-09-30")])
    early = correction(
        "restated", "transfer-05Q", action="replace", amount="£3m", as_at="2013-07-01"
    )
    append_unchecked(ledger.store, normalised(early))
    views = tmp_path / "views.db"
    caught_up(ledger, views).close()
    assert marks(views) == [
        ("from", 0, "2013-09-30", 0),
        ("from", 1, "2013-07-01", 1),
        ("to", 0, "2013-09-30", 0),
        ("to", 1, "2013-07-01", 1),
    ]
    august = view(views, "specialised-net-change", account="SPEC", year="2013-14",
                  as_at="2013-08-01")  # fmt: skip
    assert [(row["counterparty"], row["transfers"], row["net_pence"]) for row in august] == [
        ("05Q", 1, 3 * MILLION),
        ("(total)", 1, 3 * MILLION),
    ]
    october = view(views, "specialised-net-change", account="SPEC", year="2013-14",
                   as_at="2013-10-01")  # fmt: skip
    assert [(row["counterparty"], row["transfers"]) for row in october] == [
        ("05Q", 1),
        ("(total)", 1),
    ]
    ledger.close()


COUNTED = """
    SELECT counterparty, COUNT(DISTINCT record_id) FROM postings
    WHERE kind = 'transfer' AND account = :account AND financial_year = :year
      AND as_at <= :as_at
    GROUP BY counterparty ORDER BY counterparty
"""


@pytest.fixture(scope="module")
def history_views(tmp_path_factory) -> Path:
    """The published record and 30,000 synthetic records after it, with transfers and
    corrections of them, and its views."""
    folder = tmp_path_factory.mktemp("history")
    ledger = succeeding(published_ledger(folder))
    history = folder / "synthetic.jsonl"
    ledger("demo", "generate", "--events", "30000", "--seed", "1", "-o", str(history))
    ledger("import", str(history))
    ledger("rebuild")
    return Path(ledger.views)


@pytest.mark.parametrize("when", [0.25, 0.5, 1.0])
def test_transfers_are_counted_as_distinct_records_would_be(history_views, when):
    """For each organisation and year with corrected transfers, as known on a day a
    quarter, half or all of the way through their corrections, the view's transfers by
    counterparty are the distinct transfer records among its postings known by then."""
    with sqlite3.connect(history_views) as db:
        days = [day for (day,) in db.execute(
            "SELECT as_at FROM postings WHERE kind = 'transfer' AND version > 0 ORDER BY 1"
        )]  # fmt: skip
        assert len(days) > 500
        as_at = days[int(when * (len(days) - 1))]
        asked = db.execute(
            "SELECT DISTINCT account, financial_year FROM postings "
            "WHERE kind = 'transfer' AND version > 0 AND as_at <= ? ORDER BY 1, 2 LIMIT 40",
            (as_at,),
        ).fetchall()
        assert len(asked) >= 10
        for account, year in asked:
            expected = db.execute(COUNTED, {"account": account, "year": year, "as_at": as_at})
            shown = view(history_views, "specialised-net-change", account=account, year=year,
                         as_at=as_at)  # fmt: skip
            itemised = [
                (row["counterparty"], row["transfers"])
                for row in shown
                if not row["counterparty"].startswith("(")
            ]
            assert sorted(itemised) == expected.fetchall(), (account, year, as_at)
