"""audit and diff: how a figure changed, and what explains a difference between two dates."""

import json

from factories import (
    allocation,
    correction,
    organisation,
    plan,
    transfer,
    world,
    write_jsonl,
)


def ledger_with(run, tmp_path, *records):
    path = write_jsonl(tmp_path / "history.jsonl", [*world(), *records])
    assert run("import", str(path)).exit_code == 0
    return lambda *args: run("--views", str(tmp_path / "views.db"), *args)


def as_json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


ALLOCATIONS = [
    allocation(as_at="2013-04-01"),
    transfer(**{"from": "06H"}, amount="£5m", as_at="2013-08-01"),
    allocation("adj-06H", amount="£2m", as_at="2013-10-01"),
    correction("fix-transfer", "transfer-05Q", action="replace", amount="£4m", as_at="2013-11-01"),
    correction("drop-adj", "adj-06H", as_at="2013-12-01"),
]


def test_audit_lists_every_change_with_the_value_after_it(run, tmp_path):
    ledger = ledger_with(run, tmp_path, *ALLOCATIONS)
    rows = as_json(ledger("audit", "06H", "allocation", "--format", "json"))
    assert [
        (r["as_at"], r["kind"], r["record"], r["change_pence"], r["after_pence"], r["note"])
        for r in rows
    ] == [
        ("2013-04-01", "allocation", "alloc-06H", 84_920_400_000, 84_920_400_000, ""),
        (
            "2013-08-01",
            "transfer",
            "transfer-05Q",
            -500_000_000,
            84_420_400_000,
            "transfer to SPEC",
        ),
        ("2013-10-01", "allocation", "adj-06H", 200_000_000, 84_620_400_000, ""),
        (
            "2013-11-01",
            "correction",
            "fix-transfer",
            100_000_000,
            84_720_400_000,
            "replaces transfer-05Q: -£5,000,000.00 -> -£4,000,000.00",
        ),
        (
            "2013-12-01",
            "correction",
            "drop-adj",
            -200_000_000,
            84_520_400_000,
            "reverses adj-06H (£2,000,000.00)",
        ),
    ]
    # The changes add up to the figure the ccg-budgets view gives.
    budgets = as_json(ledger("view", "ccg-budgets", "-p", "year", "2013-14", "--format", "json"))
    assert (
        sum(r["change_pence"] for r in rows)
        == rows[-1]["after_pence"]
        == next(b["allocation_pence"] for b in budgets if b["code"] == "06H")
    )
    assert rows[0]["source"] == "board-paper-2013-11 table 1"


def test_audit_of_a_superseding_figure_shows_the_value_replaced(run, tmp_path):
    ledger = ledger_with(
        run,
        tmp_path,
        plan("plan-june", amount="£1m", as_at="2013-06-30"),
        plan("plan-nov", amount="-£2m", as_at="2013-11-08"),
        correction("drop-nov", "plan-nov", as_at="2013-12-01"),
    )
    rows = as_json(ledger("audit", "06H", "plan", "--format", "json"))
    assert [
        (r["record"], r["before_pence"], r["after_pence"], r["change_pence"]) for r in rows
    ] == [
        ("plan-june", None, 100_000_000, 100_000_000),
        ("plan-nov", 100_000_000, -200_000_000, -300_000_000),
        ("drop-nov", -200_000_000, 100_000_000, 300_000_000),
    ]
    before_the_reversal = as_json(
        ledger("audit", "06H", "plan", "--as-at", "2013-11-30", "--format", "json")
    )
    assert before_the_reversal[-1]["after_pence"] == -200_000_000


def test_audit_prints_pounds_in_a_table(run, tmp_path):
    ledger = ledger_with(run, tmp_path, *ALLOCATIONS[:2])
    assert ledger("audit", "06H", "allocation").output.splitlines() == [
        "as_at       kind        record        account             change            after  "
        "note              source",
        "----------  ----------  ------------  ---------  ---------------  ---------------  "
        "----------------  -----------------------------------------------------------------------------",
        "2013-04-01  allocation  alloc-06H     06H        £849,204,000.00  £849,204,000.00  "
        "                  board-paper-2013-11 [Board paper on the month-6 position, 2013-04-01] table 1",
        "2013-08-01  transfer    transfer-05Q  06H         -£5,000,000.00  £844,204,000.00  "
        "transfer to SPEC  board-paper-2013-11 [Board paper on the month-6 position, 2013-04-01] table 1",
    ]


def test_audit_says_what_is_recorded_when_the_figure_is_not(run, tmp_path):
    ledger = ledger_with(run, tmp_path, allocation())
    missing = ledger("audit", "06H", "forecast")
    assert missing.exit_code == 1
    assert missing.stderr == (
        "Error: no forecast recorded for 06H; recorded for 06H: allocation (2013-14)\n"
    )
    assert ledger("audit", "NOWHERE", "plan").stderr == "Error: unknown organisation 'NOWHERE'\n"


def test_diff_explains_the_difference_exactly(run, tmp_path):
    ledger = ledger_with(run, tmp_path, *ALLOCATIONS)
    rows = as_json(
        ledger("diff", "06H", "--from", "2013-09-30", "--to", "2013-12-31", "--format", "json")
    )
    start, *between, end = rows
    assert (start["after_pence"], end["after_pence"]) == (84_420_400_000, 84_520_400_000)
    assert [r["record"] for r in between] == ["adj-06H", "fix-transfer", "drop-adj"]
    assert sum(r["change_pence"] for r in between) == end["change_pence"] == 100_000_000


def test_diff_of_an_aggregate_lists_which_members_moved(run, tmp_path):
    ledger = ledger_with(
        run,
        tmp_path,
        allocation(as_at="2013-04-01"),
        allocation("alloc-05Q", account="05Q", amount="£300m", as_at="2013-04-01"),
        organisation("13X", parent="ccg-sector", as_at="2013-04-01"),
        allocation("alloc-13X", account="13X", amount="£10m", as_at="2013-10-01"),
        transfer(as_at="2013-10-15"),
        transfer(
            "transfer-back", **{"from": "SPEC", "to": "05Q"}, amount="£1m", as_at="2013-10-20"
        ),
    )
    rows = as_json(
        ledger(
            "diff",
            "ccg-sector",
            "--from",
            "2013-09-30",
            "--to",
            "2013-12-31",
            "--by",
            "member",
            "--format",
            "json",
        )
    )
    assert [(r["kind"], r["account"], r["change_pence"], r["note"]) for r in rows] == [
        ("(known)", "ccg-sector", None, "value known then"),
        ("(member)", "13X", 1_000_000_000, "1 event"),
        ("(member)", "05Q", -400_000_000, "2 events"),
        ("(known)", "ccg-sector", 600_000_000, "value known then"),
    ]
    assert rows[-1]["after_pence"] - rows[0]["after_pence"] == 600_000_000


def test_diff_refuses_dates_the_wrong_way_round(run, tmp_path):
    ledger = ledger_with(run, tmp_path, allocation())
    result = ledger("diff", "06H", "--from", "2014-01-01", "--to", "2013-01-01")
    assert result.exit_code == 2
    assert "--to is earlier than --from" in result.stderr
