"""ledger check on lineage: an organisation closes once, a merger's or split's
predecessors close the day before it, each is carried on once a day, lineage never runs in a circle, and a split carries a
closed predecessor's figures on. The real events/ pass every check."""

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from factories import allocation, organisation, world, write_jsonl

from ledger.cli import main
from ledger.records.located import Located
from ledger.records.models import parse_record
from ledger.web.site import Site
from ledger.writing.ledger import Batch, Ledger

REPOSITORY = Path(__file__).resolve().parent.parent
CITED = {"as_at": "2014-02-01", "source": "board-paper-2013-11", "locator": "p9"}
LINEAGE_CHECKS = {"closed once", "predecessors close", "one lineage a day", "lineage has no circle"}


def closure(code, effective, **changes):
    return {"id": f"{code}-closed", "kind": "closure", "organisation": code,
            "effective": effective, **CITED, **changes}  # fmt: skip


def merger(record_id, successor, *predecessors, effective="2014-04-01"):
    return {"id": record_id, "kind": "merger", "organisation": successor,
            "predecessors": list(predecessors), "effective": effective, **CITED}  # fmt: skip


def split(record_id, code, *successors, effective="2014-04-01"):
    return {"id": record_id, "kind": "split", "organisation": code, "basis": "patients",
            "successors": [{"organisation": s, "weight": w} for s, w in successors],
            "effective": effective, **CITED}  # fmt: skip


def ledger_with(sqlite_store, tmp_path, *records):
    common = ["--store", sqlite_store, "--views", str(tmp_path / "views.db")]

    def invoke(*args):
        return CliRunner().invoke(main, [*common, *args], catch_exceptions=False)

    path = write_jsonl(tmp_path / "history.jsonl", [*world(), organisation("07A"), *records])
    imported = invoke("import", str(path))
    assert imported.exit_code == 0, imported.output
    return invoke


def plant(sqlite_store, *records):
    """Write records straight into the store, past the checks import makes."""
    with Ledger(sqlite_store) as planting:
        located = [Located("planted", parse_record(record)) for record in records]
        planting.append(Batch(new=located))


def failures(ledger):
    result = ledger("check", "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def test_the_real_events_pass_every_check(tmp_path):
    common = ["--store", str(tmp_path / "ledger.db"), "--views", str(tmp_path / "views.db")]
    assert CliRunner().invoke(main, [*common, "import", str(REPOSITORY / "events")]).exit_code == 0
    result = CliRunner().invoke(main, [*common, "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("No failures in 17 checks over ")


def test_a_merger_whose_predecessor_closes_the_day_before_passes(sqlite_store, tmp_path):
    ledger = ledger_with(
        sqlite_store, tmp_path, closure("05Q", "2014-03-31"), merger("into-06H", "06H", "05Q")
    )
    assert failures(ledger) == (0, [])


def test_a_predecessor_closing_on_the_wrong_day_fails(sqlite_store, tmp_path):
    """Import refuses such a merger (test_closing.py); a store that holds one fails."""
    ledger = ledger_with(sqlite_store, tmp_path, closure("05Q", "2014-02-28"))
    plant(sqlite_store, merger("into-06H", "06H", "05Q"))
    assert failures(ledger) == (
        1,
        [
            {
                "check": "predecessors close",
                "record": "into-06H",
                "message": "05Q closes on 2014-02-28, but its merger into 06H takes effect on "
                "2014-04-01: it should close on 2014-03-31",
                "source": "board-paper-2013-11 p9",
            }
        ],
    )


def test_a_split_predecessor_that_never_closes_fails(sqlite_store, tmp_path):
    ledger = ledger_with(sqlite_store, tmp_path, split("05Q-split", "05Q", ("06H", 3), ("07A", 1)))
    code, found = failures(ledger)
    assert code == 1
    assert [(row["check"], row["record"], row["message"]) for row in found] == [
        (
            "predecessors close",
            "05Q-split",
            "05Q never closes, but its split into 06H, 07A takes effect on 2014-04-01: "
            "it should close on 2014-03-31",
        )
    ]


def test_a_predecessor_carried_to_two_successors_on_one_date_fails(sqlite_store, tmp_path):
    """Import refuses the second merger (test_closing.py); a store that holds both fails."""
    ledger = ledger_with(
        sqlite_store, tmp_path, closure("05Q", "2014-03-31"), merger("into-06H", "06H", "05Q")
    )
    plant(sqlite_store, merger("into-07A", "07A", "05Q"))
    code, found = failures(ledger)
    assert code == 1
    assert [(row["check"], row["message"]) for row in found] == [
        (
            "one lineage a day",
            "05Q is carried on 2 times on 2014-04-01: by into-06H,into-07A (into 06H,07A)",
        )
    ]


def test_an_organisation_closed_twice_fails(sqlite_store, tmp_path):
    """Import refuses a second closure (test_closing.py); a store that holds two fails,
    naming the later one, which says nothing true."""
    ledger = ledger_with(sqlite_store, tmp_path, closure("07A", "2014-03-31"))
    plant(sqlite_store, closure("07A", "2016-03-31", id="07A-closed-again"))
    assert failures(ledger) == (
        1,
        [
            {
                "check": "closed once",
                "record": "07A-closed-again",
                "message": "07A closes again on 2016-03-31, but it closed on 2014-03-31 "
                "(07A-closed): an organisation closes once",
                "source": "board-paper-2013-11 p9",
            }
        ],
    )
    # The views, orgs and the web's search all take the earlier day (orgs once took the
    # closure recorded last, the search the later day).
    shown = ledger("orgs", "07A", "--format", "json")
    assert json.loads(shown.stdout)[0]["closed"] == "2014-03-31"
    site = Site(sqlite_store, tmp_path / "views.db", "closed-twice-search")
    site.refresh()
    search = sqlite3.connect("file:closed-twice-search?mode=memory&cache=shared", uri=True)
    try:
        closed = search.execute("SELECT closed FROM organisations WHERE code = '07A'").fetchall()
    finally:
        search.close()
        site.close()
    assert closed == [("2014-03-31",)]


def test_a_merger_after_the_first_of_two_closures_is_not_also_failed(sqlite_store, tmp_path):
    """The second closure is "closed once"'s to report; the merger the day after the
    first closes 07A as it should, and "predecessors close" does not say otherwise."""
    ledger = ledger_with(
        sqlite_store, tmp_path, closure("07A", "2014-03-31"), merger("into-06H", "06H", "07A")
    )
    plant(sqlite_store, closure("07A", "2016-03-31", id="07A-closed-again"))
    code, found = failures(ledger)
    assert code == 1
    assert [(f["check"], f["record"]) for f in found] == [("closed once", "07A-closed-again")]


def test_a_circle_of_lineage_fails(sqlite_store, tmp_path):
    ledger = ledger_with(
        sqlite_store,
        tmp_path,
        closure("05Q", "2014-03-31"),
        merger("into-06H", "06H", "05Q"),
    )
    back = merger("back-into-05Q", "05Q", "06H", effective="2014-04-01")
    assert ledger("import", str(write_jsonl(tmp_path / "back.jsonl", [back]))).exit_code == 1
    plant(sqlite_store, back)
    code, found = failures(ledger)
    assert code == 1
    circles = [(row["record"], row["message"]) for row in found
               if row["check"] == "lineage has no circle"]  # fmt: skip
    assert circles == [
        (
            "into-06H",
            "05Q -> 06H -> 05Q is a circle: an organisation's figures are carried back to it",
        ),
        (
            "back-into-05Q",
            "06H -> 05Q -> 06H is a circle: an organisation's figures are carried back to it",
        ),
    ]
    assert {row["check"] for row in found} <= {*LINEAGE_CHECKS, "organisations open"}


def test_a_split_carries_a_closed_predecessors_later_figures(sqlite_store, tmp_path):
    later = allocation("late-05Q", account="05Q", financial_year="2014-15",
                       effective="2014-06-30", as_at="2014-07-01")  # fmt: skip
    ledger = ledger_with(
        sqlite_store,
        tmp_path,
        closure("05Q", "2014-03-31"),
        split("05Q-split", "05Q", ("06H", 3), ("07A", 1)),
        later,
    )
    assert failures(ledger) == (0, [])


def test_a_closed_organisation_with_no_lineage_used_later_still_fails(sqlite_store, tmp_path):
    ledger = ledger_with(sqlite_store, tmp_path, closure("05Q", "2014-03-31"))
    plant(sqlite_store, allocation("late-05Q", account="05Q", financial_year="2014-15",
                                   effective="2014-06-30", as_at="2014-07-01"))  # fmt: skip
    code, found = failures(ledger)
    assert (code, [(row["check"], row["message"]) for row in found]) == (
        1,
        [("organisations open", "05Q is used on 2014-06-30, after it closed on 2014-03-31")],
    )


def test_a_circle_of_parents_fails(sqlite_store, tmp_path):
    """Import refuses a parent that leads back to its organisation, in a new record or an
    erratum (test_errata_lifecycle.py); a store that holds one fails, each circle named
    once with the organisations in it."""
    ledger = ledger_with(sqlite_store, tmp_path)
    circle = [organisation("07B", parent="07C"), organisation("07C", parent="07B"),
              organisation("07D", parent="07D"), organisation("07E", parent="07B")]  # fmt: skip
    assert ledger("import", str(write_jsonl(tmp_path / "circle.jsonl", circle))).exit_code == 1
    under = {"id": "sector-under-06H", "kind": "erratum", "fixes": "ccg-sector",
             "recorded": "2026-01-05", "set": {"parent": "06H"}, "reason": "typed wrongly",
             "source": "board-paper-2013-11", "locator": "p9"}  # fmt: skip
    plant(sqlite_store, *circle, under)
    code, found = failures(ledger)
    assert code == 1
    assert [(row["check"], row["record"], row["message"]) for row in found] == [
        ("parents have no circle", "06H",
         "parent: 06H -> ccg-sector -> 06H is a circle: an organisation cannot be under itself"),
        ("parents have no circle", "07B",
         "parent: 07B -> 07C -> 07B is a circle: an organisation cannot be under itself"),
        ("parents have no circle", "07D",
         "parent: 07D -> 07D is a circle: an organisation cannot be under itself"),
    ]  # fmt: skip
