"""ledger check: every invariant passes on a sound ledger and catches a planted fault."""

import json
import re
import sqlite3

import pytest
from backends import checks_run, store_sql
from factories import (
    allocation,
    drawdown,
    figure,
    organisation,
    transfer,
    world,
    write_jsonl,
)
from stores import plant

from ledger.records.located import Located
from ledger.records.models import parse_record
from ledger.writing.ledger import Batch, Ledger


def ledger_with(run, tmp_path, *records):
    path = write_jsonl(tmp_path / "history.jsonl", [*world(), *records])
    assert run("import", str(path)).exit_code == 0
    return lambda *args: run("--views", str(tmp_path / "views.db"), *args)


SOUND = [allocation(), transfer(), organisation("13X", opened="2013-04-01")]


def test_a_sound_ledger_passes_every_check(run, tmp_path, store):
    ledger = ledger_with(run, tmp_path, *SOUND)
    result = ledger("check")
    head, summary = result.output.splitlines()
    assert result.exit_code == 0
    assert re.fullmatch(r"head: [0-9a-f]{64} \(position 8\)", head)
    assert summary == f"No failures in {checks_run(store)} checks over 8 records."
    as_json = ledger("check", "--format", "json")
    assert (as_json.stdout, as_json.stderr) == (
        "[]\n",
        f"{head}\nNo failures in {checks_run(store)} checks over 8 records.\n",
    )


def checked_after(run, tmp_path, planted: str):
    """`ledger check --format json` of a sound ledger's views with a fault planted."""
    ledger = ledger_with(run, tmp_path, *SOUND)
    ledger("rebuild")
    with sqlite3.connect(tmp_path / "views.db") as views:
        views.execute(planted)
    return ledger("check", "--format", "json")


def test_check_catches_a_planted_imbalance_in_a_transfer(run, tmp_path, store):
    result = checked_after(
        run, tmp_path, "UPDATE postings SET amount_pence = 600000000 WHERE side = 'to'"
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "check": "transfers conserve money",
            "record": "transfer-05Q",
            "message": "version 0 of the transfer moves £1,000,000.00 net over 2 sides",
            "source": "board-paper-2013-11 table 1",
        },
        {
            "check": "versions count once",
            "record": "transfer-05Q",
            "message": "its changes add up to £5,000,000.00, its current value is £6,000,000.00",
            "source": "board-paper-2013-11 table 1",
        },
        {
            "check": "views match the store",
            "record": None,
            "message": "the postings table differs from a fresh projection of the store in "
            "1 row (record_id 'transfer-05Q', side 'to', version 0); run: "
            f"ledger --store {store} --views {tmp_path / 'views.db'} rebuild",
            "source": "views database",
        },
    ]
    head, error = result.stderr.splitlines()
    assert head.startswith("head: ")
    assert error == f"Error: 3 failures in {checks_run(store)} checks over 8 records."


def test_check_catches_an_organisation_used_after_it_closed(run, store, tmp_path):
    """Import refuses such a record (tests/test_batch_guards.py); one planted in the store
    by other means is still caught."""
    closure = {
        "id": "13X-closed",
        "kind": "closure",
        "organisation": "13X",
        "effective": "2013-06-30",
        "as_at": "2013-06-01",
        "source": "board-paper-2013-11",
        "locator": "p4",
    }
    result = check_planted(run, store, tmp_path, [closure], allocation(
        "late", account="13X", effective="2013-10-01"))  # fmt: skip
    assert json.loads(result.stdout) == [
        not_open("late", "13X is used on 2013-10-01, after it closed on 2013-06-30")
    ]


def check_planted(run, store, tmp_path, records, planted):
    """`ledger check --format json` of a sound ledger (and ``records``) with a record
    planted in its store behind the import's back."""
    ledger = ledger_with(run, tmp_path, *SOUND, *records)
    with Ledger(store) as planting:
        planting.append(Batch(new=[Located("planted", parse_record(planted))]))
    return ledger("check", "--format", "json")


def not_open(record, message):
    source = "board-paper-2013-11 table 1"
    return {"check": "organisations open", "record": record, "message": message, "source": source}


def test_check_catches_a_drawdown_against_an_organisation_not_yet_open(run, store, tmp_path):
    """The budget a drawdown is set against must be open on the day, as the organisation
    it is about must: import refuses it (tests/test_errata_opened_fields.py); one planted
    in the store by other means was passed by every check."""
    early = drawdown("early", against="13X", financial_year="2012-13")
    result = check_planted(run, store, tmp_path, [], early)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        not_open("early", "13X is used on 2012-04-01, before it opened on 2013-04-01")
    ]


@pytest.mark.parametrize(
    ("measure", "part", "total", "residual"),
    [
        ("overspend", {"amount": "£65m"}, {"amount": "£70m"}, "£5,000,000.00"),
        ("ccgs-forecasting-deficit", {"count": 1020}, {"count": 2048}, "1,028"),
    ],
)
def test_check_catches_a_total_that_does_not_add_up(run, tmp_path, measure, part, total, residual):
    """The residual is shown as the figure is: money in pounds (it was 500000000 pence,
    labelled gbp), a count as a count."""
    ledger = ledger_with(
        run,
        tmp_path,
        figure("part", measure, **part),
        figure("total", measure, **total, components=["part"]),
    )
    assert ledger("check").exit_code == 1
    rows = json.loads(ledger("check", "--format", "json").stdout)
    assert rows == [
        {
            "check": "reported figures reconcile",
            "record": "total",
            "message": f"unexplained residual: {measure} of ccg-sector in 2013-14, "
            f"residual {residual}, 1 of 1 components known",
            "source": "board-paper-2013-11 table 1",
        }
    ]


def test_check_catches_a_stored_event_altered_outside_the_ledger(run, tmp_path, store):
    ledger = ledger_with(run, tmp_path, *SOUND)
    [(position, state)] = store_sql(
        store,
        "SELECT {position}, state FROM {events} WHERE topic = 'ledger:AllocationIssued'",
    )
    altered = bytes(state).replace(b'"amount_pence":84920400000', b'"amount_pence":"lots"')
    store_sql(store, "UPDATE {events} SET state = ? WHERE {position} = ?", (altered, position))
    rows = json.loads(ledger("check", "--format", "json").stdout)
    assert [(row["check"], row["record"], row["message"]) for row in rows] == [
        (
            "hash chain",
            None,
            f"position {position}: the event does not match its hash: it was altered, "
            "or an event before it was",
        ),
        (
            "records read back",
            "alloc-06H",
            "amount_pence: pence must be a whole number, got 'lots'",
        ),
        (
            "events projected",
            "alloc-06H",
            f"position {position}: the event could not be projected into the views: "
            "its fields do not validate: amount_pence: pence must be a whole number, "
            "got 'lots'; "
            "a correction that reverses it takes it out",
        ),
    ]


def test_check_catches_a_record_side_with_no_version_known_first(run, tmp_path, store):
    """Views that would count the transfer no times (specialised-net-change adds up
    is_earliest to count transfers; issue 21)."""
    result = checked_after(run, tmp_path, "UPDATE postings SET is_earliest = 0 WHERE side = 'from'")
    assert result.exit_code == 1
    assert json.loads(result.stdout)[0] == {
        "check": "versions count once",
        "record": "transfer-05Q",
        "message": "0 versions of one record side known first",
        "source": "board-paper-2013-11 table 1",
    }


def opening_failures(ledger):
    """The exit code of `ledger check`, and what its "organisations open" check found."""
    result = ledger("check", "--format", "json")
    found = json.loads(result.stdout)
    return result.exit_code, [
        (row["record"], row["message"], row["source"])
        for row in found
        if row["check"] == "organisations open"
    ]


def change(kind, code, effective, **fields):
    """A closure, merger, split or membership, known on 2013-09-30, with id "early"."""
    cited = {"as_at": "2013-09-30", "source": "board-paper-2013-11", "locator": "p4"}
    if kind == "split":
        fields["basis"] = "patients"
        fields["successors"] = [
            {"organisation": successor, "weight": 1} for successor in fields["successors"]
        ]
    return {"id": "early", "kind": kind, "organisation": code, "effective": effective,
            **fields, **cited}  # fmt: skip


def known_before(field):
    return (
        f"{field}: 14Y is named in a record known on 2013-09-30, before 14Y itself was known "
        "on 2013-10-01"
    )


@pytest.mark.parametrize(
    ("planted", "field"),
    [
        (allocation("early", account="14Y"), "account"),
        (transfer("early", **{"from": "14Y", "to": "SPEC"}), "from"),
        (transfer("early", **{"from": "SPEC", "to": "14Y"}), "to"),
        (drawdown("early", against="14Y"), "against"),
        (change("closure", "14Y", "2014-03-31"), "organisation"),
        (change("merger", "06H", "2014-04-01", predecessors=["14Y"]), "predecessors"),
        (change("merger", "14Y", "2014-04-01", predecessors=["05Q"]), "organisation"),
        (change("split", "14Y", "2014-04-01", successors=["06H", "05Q"]), "organisation"),
        (change("split", "05Q", "2014-04-01", successors=["06H", "14Y"]), "successors"),
        (change("membership", "14Y", "2013-04-01", area_team="13X"), "organisation"),
        (change("membership", "13X", "2013-04-01", region="14Y"), "region"),
    ],
    ids=lambda value: value if isinstance(value, str) else value["kind"],
)
def test_check_catches_a_record_known_before_an_organisation_it_names(
    run, store, tmp_path, planted, field
):
    """Import refuses such a record (writing.references); one planted in the store was
    passed by every check. Each field that names an organisation is read."""
    late = organisation("14Y", opened="2013-04-01", as_at="2013-10-01")
    ledger = ledger_with(run, tmp_path, *SOUND, late)
    plant(store, planted)
    source = f"board-paper-2013-11 {planted['locator']}"
    assert opening_failures(ledger) == (1, [("early", known_before(field), source)])


def test_check_reads_what_names_an_organisation_as_errata_leave_it(run, store, tmp_path):
    """An erratum that makes 14Y known later fails the allocation known before then
    (import refuses it: writing.fixed_known); one that makes the allocation known later
    too puts it right, as the views read it."""
    named = allocation("alloc-14Y", account="14Y")
    ledger = ledger_with(run, tmp_path, *SOUND, organisation("14Y"), named)
    erratum = {"kind": "erratum", "recorded": "2026-01-05", "reason": "the register's date",
               "source": "board-paper-2013-11", "locator": "p5"}  # fmt: skip
    plant(store, {"id": "later-14Y", "fixes": "14Y", "set": {"as_at": "2013-10-01"}, **erratum})
    source = "board-paper-2013-11 table 1"
    assert opening_failures(ledger) == (1, [("alloc-14Y", known_before("account"), source)])
    later = {"id": "later-alloc", "fixes": "alloc-14Y", "set": {"as_at": "2013-10-02"}}
    plant(store, {**later, **erratum})
    assert opening_failures(ledger) == (0, [])


@pytest.mark.parametrize(
    ("planted", "message"),
    [
        (
            change("closure", "13X", "2013-03-31"),
            "13X closes on 2013-03-31, before it opened on 2013-04-01",
        ),
        (
            change("merger", "06H", "2013-04-01", predecessors=["13X"]),
            "13X is carried on by the merger into 06H from 2013-04-01, so it closes on "
            "2013-03-31, before it opened on 2013-04-01",
        ),
        (
            change("split", "13X", "2013-04-01", successors=["06H", "05Q"]),
            "13X is carried on by the split into 06H, 05Q from 2013-04-01, so it closes on "
            "2013-03-31, before it opened on 2013-04-01",
        ),
        (
            change("merger", "13X", "2013-03-01", predecessors=["06H", "05Q"]),
            "13X takes on the figures of 05Q, 06H by the merger from 2013-03-01, before it "
            "opened on 2013-04-01",
        ),
        (
            change("split", "05Q", "2013-03-01", successors=["06H", "13X"]),
            "13X takes on the figures of 05Q by the split from 2013-03-01, before it opened on "
            "2013-04-01",
        ),
    ],  # fmt: skip
    ids=["closure", "merger-from", "split-from", "merger-into", "split-into"],
)
def test_check_catches_a_change_dated_before_its_organisation_opened(
    run, store, tmp_path, planted, message
):
    """Import refuses a closure before its organisation opened, a merger or split that
    would close a predecessor before it opened, or one into a successor not yet open
    (writing.lifecycle, writing.closing); one planted in the store was passed by every
    check."""
    ledger = ledger_with(run, tmp_path, *SOUND)
    plant(store, planted)
    assert opening_failures(ledger) == (1, [("early", message, "board-paper-2013-11 p4")])
