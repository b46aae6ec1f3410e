"""Errata (issue 17): a record recorded wrongly is fixed across all of time, the fix is
checked at import, shown by audit and log, left out by --recorded-by, and checked."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest
from backends import store_sql
from click.testing import CliRunner
from factories import SOURCE_ID, allocation, world, write_jsonl
from stores import ledger_on, plant

from ledger.cli import main
from ledger.views.tables import TABLES

# The ledger fixes itself a week ago; "before" is the day before it did.
RECORDED = (date.today() - timedelta(days=7)).isoformat()
BEFORE = (date.today() - timedelta(days=8)).isoformat()
AS_ATS = ["2013-09-30", "2013-12-31", "2014-03-31", None]  # None: as known today


def erratum(erratum_id="fix-06H", fixes="alloc-06H", **fields):
    return {
        "id": erratum_id,
        "kind": "erratum",
        "fixes": fixes,
        "recorded": RECORDED,
        "reason": "the amount was typed wrongly",
        "source": SOURCE_ID,
        "locator": "erratum note, para 2",
        **fields,
    }


@pytest.fixture
def ledger(tmp_path):
    """Run the CLI on a SQLite store and views database of the test's own."""
    return ledger_on(tmp_path)


def imported(ledger, path, records):
    result = ledger("import", str(write_jsonl(path, records)))
    assert result.exit_code == 0, result.output


def with_erratum(ledger, tmp_path, fix):
    imported(ledger, tmp_path / "history.jsonl", [*world(), allocation()])
    imported(ledger, tmp_path / "errata.jsonl", [fix])


def audit_view(ledger, account, measure, as_at, recorded_by=None):
    """The audit view's rows of a figure, as (record, kind, account, as_at, effective,
    amount_pence)."""
    args = ["view", "audit", "-p", "account", account, "-p", "measure", measure]
    args += ["-p", "as_at", as_at] if as_at else []
    args += ["-p", "recorded_by", recorded_by] if recorded_by else []
    result = ledger(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return [
        (r["record_id"], r["kind"], r["account"], r["as_at"], r["effective"], r["amount_pence"])
        for r in json.loads(result.stdout)
    ]


ORIGINAL = ("alloc-06H", "allocation", "06H", "2013-09-30", "2013-04-01", 84920400000)

# What the erratum sets, and the figure (account, measure) the record counts in after it,
# with its row there; the record's original figure (06H allocation) no longer has it
# unless the erratum keeps it there.
FIXES = {
    "value": (
        {"set": {"amount": "£849,205k"}},
        ("06H", "allocation"),
        ("alloc-06H", "allocation", "06H", "2013-09-30", "2013-04-01", 84920500000),
    ),
    "known date": (
        {"set": {"as_at": "2013-12-18"}},
        ("06H", "allocation"),
        ("alloc-06H", "allocation", "06H", "2013-12-18", "2013-04-01", 84920400000),
    ),
    "effective date": (
        {"set": {"effective": "2013-07-01"}},
        ("06H", "allocation"),
        ("alloc-06H", "allocation", "06H", "2013-09-30", "2013-07-01", 84920400000),
    ),
    "account": (
        {"set": {"account": "05Q"}},
        ("05Q", "allocation"),
        ("alloc-06H", "allocation", "05Q", "2013-09-30", "2013-04-01", 84920400000),
    ),
    "kind": (
        {"set": {"kind": "figure", "measure": "ccg-total"}},
        ("06H", "ccg-total"),
        ("alloc-06H", "figure", "06H", "2013-09-30", "2013-04-01", 84920400000),
    ),
    "withdrawal": ({"withdraw": True}, None, None),
}


@pytest.mark.parametrize("what", FIXES)
def test_an_erratum_fixes_the_record_at_every_known_date(ledger, tmp_path, what):
    change, figure, fixed = FIXES[what]
    with_erratum(ledger, tmp_path, erratum(**change))
    for as_at in AS_ATS:
        known = as_at is None or fixed is None or fixed[3] <= as_at
        if figure is not None:
            assert audit_view(ledger, *figure, as_at) == ([fixed] if known else [])
        if figure != ("06H", "allocation"):
            assert audit_view(ledger, "06H", "allocation", as_at) == []
        # As the ledger stood the day before it recorded the erratum: the record as stored.
        assert audit_view(ledger, "06H", "allocation", as_at, BEFORE) == [ORIGINAL]
        if figure not in (None, ("06H", "allocation")):
            assert audit_view(ledger, *figure, as_at, BEFORE) == []
        # On the day it was recorded, the erratum counts.
        if figure is not None:
            assert audit_view(ledger, *figure, as_at, RECORDED) == ([fixed] if known else [])


def table_dumps(path):
    with sqlite3.connect(path) as views:
        return {
            table: sorted(map(repr, views.execute(f"SELECT * FROM {table}").fetchall()))
            for table in TABLES
        }


def test_an_erratum_caught_up_gives_the_views_a_fresh_build_gives(ledger, tmp_path):
    imported(ledger, tmp_path / "history.jsonl", [*world(), allocation()])
    assert ledger("view", "audit", "-p", "account", "06H").exit_code == 0
    before = table_dumps(tmp_path / "views.db")
    fix = erratum(set={"amount": "£849,205k", "as_at": "2013-12-18"})
    imported(ledger, tmp_path / "errata.jsonl", [fix])
    assert ledger("view", "audit", "-p", "account", "06H").exit_code == 0  # catches up
    caught_up = table_dumps(tmp_path / "views.db")
    fresh = tmp_path / "fresh.db"
    assert ledger("replay", "--views", str(fresh)).exit_code == 0
    assert caught_up == table_dumps(fresh)
    assert caught_up["postings"] != before["postings"]
    assert len(caught_up["errata"]) == 2 and before["errata"] == []


# -- import refuses an erratum that cannot apply -------------------------------------------

REFUSED = {
    "missing record": ([erratum(fixes="alloc-99X", set={"amount": "1m"})],
                       "1: fixes: no record with id 'alloc-99X' to fix"),
    "erratum of an erratum": (
        [erratum(set={"amount": "1m"}), erratum("fix-fix", fixes="fix-06H", set={"locator": "x"})],
        "2: fixes: 'fix-06H' is an erratum; an erratum fixes a record, so write one that "
        "fixes that record",
    ),
    "sets the id": ([erratum(set={"id": "alloc-06H-2"})], "1: an erratum cannot change id"),
    "an amount that is none": (
        [erratum(set={"amount": "lots"})],
        "1: set: amount: cannot read 'lots' as an amount "
        "(examples: 849204000, £8.6m, 1.6bn, 849,204k, -2.4m)",
    ),
    "invalid fixed record": (
        [erratum(set={"effective": "2015-01-01"})],
        "1: set: the fixed record is not valid: effective date 2015-01-01 is outside "
        "financial year 2013-14",
    ),
    "withdraws and sets": ([erratum(withdraw=True, set={"amount": "1m"})],
                           "1: an erratum that withdraws a record sets and removes nothing"),
    "recorded in the future": ([erratum(recorded="2999-01-01", set={"amount": "1m"})],
                               "1: recorded 2999-01-01 is in the future"),
    "two of one day change one field": (
        [erratum(set={"amount": "1m"}), erratum("fix-2", set={"amount": "2m", "locator": "x"})],
        f"2: fixes: fix-06H, also recorded {RECORDED}, changes amount of 'alloc-06H' too: "
        "which holds would be unclear; say both in one erratum, or change it again on a "
        "later day",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", REFUSED)
def test_import_refuses_an_erratum_that_cannot_apply(ledger, tmp_path, case):
    errata, problem = REFUSED[case]
    imported(ledger, tmp_path / "history.jsonl", [*world(), allocation()])
    path = write_jsonl(tmp_path / "errata.jsonl", errata)
    result = ledger("import", str(path))
    assert result.exit_code == 1
    assert result.stderr == f"{path}:{problem}\nError: 1 problem found; nothing was recorded.\n"
    log = json.loads(ledger("log", "--format", "json").stdout)
    assert [row["kind"] for row in log].count("erratum") == 0 and len(log) == 6


# -- replay, log and audit as the ledger stood --------------------------------------------


def test_replay_recorded_by_leaves_the_erratum_out(ledger, tmp_path):
    with_erratum(ledger, tmp_path, erratum(set={"amount": "£849,205k"}))
    for day, amount, errata in [(BEFORE, 84920400000, 0), (RECORDED, 84920500000, 1)]:
        built = tmp_path / f"views-{day}.db"
        result = ledger("replay", "--recorded-by", day, "--views", str(built))
        assert result.exit_code == 0, result.output
        assert f"as the ledger stood on {day}" in result.output
        with sqlite3.connect(built) as views:
            assert views.execute("SELECT amount_pence FROM postings").fetchall() == [(amount,)]
            assert views.execute("SELECT COUNT(*) FROM errata").fetchone() == (errata,)


def test_log_shows_the_erratum_as_its_own_entry_unless_recorded_later(ledger, tmp_path):
    with_erratum(ledger, tmp_path, erratum(set={"amount": "£849,205k"}, unset=["period"]))
    rows = json.loads(ledger("log", "--account", "06H", "--format", "json").stdout)
    assert [(r["kind"], r["id"], r["as_at"], r["financial_year"], r["detail"]) for r in rows] == [
        ("organisation", "06H", "2013-04-01", None, "NHS Cambridgeshire and Peterborough CCG (ccg)"),
        ("allocation", "alloc-06H", "2013-09-30", "2013-14", None),
        ("erratum", "fix-06H", RECORDED, "2013-14", "fixes alloc-06H: amount £849,205k; removes period"),
    ]  # fmt: skip
    for day, shown in [(BEFORE, rows[:-1]), (RECORDED, rows)]:
        by_then = ledger("log", "--account", "06H", "--recorded-by", day, "--format", "json")
        assert [r["id"] for r in json.loads(by_then.stdout)] == [r["id"] for r in shown]


def test_log_judges_a_record_by_its_errata(ledger, tmp_path):
    """The published allocations were first recorded as known on 30 September; an erratum
    says 18 December. Asked what was known by 31 October, the log agrees with the views
    (nothing), unless asked as the ledger stood before the erratum. A record an erratum
    moves to another organisation is in that organisation's log too."""
    with_erratum(ledger, tmp_path, erratum(set={"as_at": "2013-12-18"}))
    imported(ledger, tmp_path / "more.jsonl", [
        allocation("alloc-2", amount="£1m"),
        erratum("fix-2", fixes="alloc-2", set={"account": "05Q"})])  # fmt: skip

    def listed(*args):
        result = ledger("log", "--kind", "allocation", *args, "--format", "json")
        assert result.exit_code == 0, result.output
        return [(row["id"], row["as_at"], row["account"]) for row in json.loads(result.stdout)]

    assert listed("--as-at", "2013-10-31") == [("alloc-2", "2013-09-30", "06H")]
    assert listed("--as-at", "2013-10-31", "--recorded-by", BEFORE) == [
        ("alloc-06H", "2013-09-30", "06H"), ("alloc-2", "2013-09-30", "06H")]  # fmt: skip
    assert listed("--as-at", "2013-12-18") == [
        ("alloc-06H", "2013-09-30", "06H"), ("alloc-2", "2013-09-30", "06H")]  # fmt: skip
    assert listed("--account", "05Q") == [("alloc-2", "2013-09-30", "06H")]
    assert listed("--account", "05Q", "--recorded-by", BEFORE) == []
    views = ledger("view", "ccg-budgets", "-p", "as_at", "2013-10-31", "--format", "json")
    assert [(r["code"], r["allocation_pence"]) for r in json.loads(views.stdout)] == [
        ("05Q", 100_000_000), ("06H", 0)]  # fmt: skip


def audit_rows(ledger, *args):
    result = ledger("audit", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return [
        (r["as_at"], r["kind"], r["record"], r["account"], r["change_pence"], r["note"])
        for r in json.loads(result.stdout)
    ]


def test_audit_shows_the_erratum_right_after_the_record_it_fixes(ledger, tmp_path):
    fix = erratum(set={"amount": "£849,205k", "as_at": "2013-12-18"})
    imported(ledger, tmp_path / "history.jsonl", [*world(), allocation(), allocation("later")])
    imported(ledger, tmp_path / "errata.jsonl", [fix])
    note = (
        f"erratum recorded {RECORDED}: amount £849,204,000.00 -> £849,205,000.00; "
        "as_at 2013-09-30 -> 2013-12-18"
    )
    assert audit_rows(ledger, "06H", "allocation") == [
        ("2013-09-30", "allocation", "later", "06H", 84920400000, ""),
        ("2013-12-18", "allocation", "alloc-06H", "06H", 84920500000, ""),
        ("2013-12-18", "erratum", "fix-06H", "06H", None, note),
    ]
    # Known by the end of October the record, as fixed, was not known yet: the erratum
    # says why it is not there.
    assert audit_rows(ledger, "06H", "allocation", "--as-at", "2013-10-31") == [
        ("2013-09-30", "allocation", "later", "06H", 84920400000, ""),
        ("2013-09-30", "erratum", "fix-06H", "06H", None,
         f"erratum recorded {RECORDED}: alloc-06H, as fixed, is not part of this figure: "
         "amount £849,204,000.00 -> £849,205,000.00; as_at 2013-09-30 -> 2013-12-18"),
    ]  # fmt: skip
    assert audit_rows(ledger, "06H", "allocation", "--recorded-by", BEFORE) == [
        ("2013-09-30", "allocation", "alloc-06H", "06H", 84920400000, ""),
        ("2013-09-30", "allocation", "later", "06H", 84920400000, ""),
    ]


def test_audit_of_an_aggregate_says_a_withdrawn_record_is_withdrawn(ledger, tmp_path):
    fix = erratum(withdraw=True, reason="the row belongs to another paper")
    with_erratum(ledger, tmp_path, fix)
    sector = ["audit", "ccg-sector", "allocation", "--year", "2013-14", "--format", "json"]
    rows = json.loads(ledger(*sector).stdout)
    assert [(r["as_at"], r["kind"], r["record"], r["account"], r["note"], r["reason"],
             r["source"]) for r in rows] == [
        ("2013-09-30", "erratum", "fix-06H", "06H",
         f"erratum recorded {RECORDED}: alloc-06H withdrawn (it should not exist)",
         "the row belongs to another paper", f"{SOURCE_ID} erratum note, para 2"),
    ]  # fmt: skip


def test_diff_recorded_by_answers_without_later_errata(ledger, tmp_path):
    with_erratum(ledger, tmp_path, erratum(set={"amount": "£849,205k"}))
    span = ["--from", "2013-04-01", "--to", "2014-03-31", "--format", "json"]
    for recorded_by, amount in [(None, 84920500000), (BEFORE, 84920400000)]:
        by = ["--recorded-by", recorded_by] if recorded_by else []
        rows = json.loads(ledger("diff", "06H", *span, *by).stdout)
        assert [(r["kind"], r["change_pence"]) for r in rows] == [
            ("(known)", None),
            ("allocation", amount),
            ("(known)", amount),
        ]


# -- check: errata apply cleanly ------------------------------------------------------------


def errata_failures(ledger):
    result = ledger("check", "--format", "json")
    found = [f for f in json.loads(result.stdout) if f["check"] == "errata apply cleanly"]
    return result.exit_code, [(f["record"], f["message"]) for f in found]


def test_check_passes_errata_that_apply_cleanly(ledger, tmp_path):
    with_erratum(ledger, tmp_path, erratum(set={"amount": "£849,205k"}))
    imported(ledger, tmp_path / "more.jsonl", [erratum("fix-2", set={"as_at": "2013-10-01"})])
    result = ledger("check")
    assert result.exit_code == 0, result.output
    assert result.stdout == "No failures in 17 checks over 8 records.\n"


def test_a_second_erratum_of_the_day_changing_the_same_field_is_refused(ledger, tmp_path):
    """An analyst fixes 06H's amount today, then types another amount: check would fail
    for good (which holds is unclear), so the second is refused, at import and typed; one
    changing another field of the record, or recorded on another day, is taken."""
    with_erratum(ledger, tmp_path, erratum(set={"amount": "£1m"}))
    path = write_jsonl(tmp_path / "more.jsonl", [erratum("fix-2", set={"amount": "£2m"})])
    result = ledger("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"{path}:1: fixes: fix-06H, also recorded {RECORDED}, changes amount of 'alloc-06H' "
        "too: which holds would be unclear;"
    )
    later = (date.today() - timedelta(days=6)).isoformat()
    imported(ledger, tmp_path / "other.jsonl", [
        erratum("fix-3", set={"locator": "table 2"}),
        erratum("fix-4", recorded=later, set={"amount": "£2m"}),
    ])  # fmt: skip
    typed = ledger("record", "erratum", "--fixes", "alloc-06H", "--set", "amount=£3m",
                   "--source", SOURCE_ID, "--locator", "p 1", "--reason", "typed")  # fmt: skip
    assert typed.exit_code == 0, typed.output
    again = ledger("record", "erratum", "--fixes", "alloc-06H", "--set", "amount=£4m",
                   "--source", SOURCE_ID, "--locator", "p 1", "--reason", "typed")  # fmt: skip
    assert again.exit_code == 1
    assert "changes amount of 'alloc-06H' too: which holds would be unclear" in again.stderr
    assert errata_failures(ledger) == (0, [])
    rows = json.loads(ledger("view", "ccg-budgets", "--format", "json").stdout)
    assert {r["code"]: r["allocation_pence"] for r in rows}["06H"] == 300_000_000


def test_check_finds_two_errata_of_one_day_changing_one_field(ledger, tmp_path):
    """A store written past import's checks (or before it refused them)."""
    with_erratum(ledger, tmp_path, erratum(set={"amount": "£1m"}))
    plant(ledger.store, erratum("fix-2", set={"amount": "£2m"}))
    assert errata_failures(ledger) == (1, [(
        "fix-2",
        f"fix-06H and fix-2, both recorded {RECORDED}, change amount of 'alloc-06H': "
        "which holds is unclear; one erratum should say it",
    )])  # fmt: skip


def test_check_finds_an_erratum_of_an_erratum_or_of_nothing(ledger, tmp_path):
    with_erratum(ledger, tmp_path, erratum(set={"amount": "£1m"}))
    plant(
        ledger.store,
        erratum("fix-fix", fixes="fix-06H", set={"reason": "said better"}),
        erratum("fix-nothing", fixes="alloc-99X", withdraw=True),
    )
    assert errata_failures(ledger) == (1, [
        ("fix-fix", "it fixes 'fix-06H', an erratum: an erratum fixes a record, not another "
                    "erratum; fix the record instead"),
        ("fix-nothing", "it fixes 'alloc-99X', which is not recorded"),
    ])  # fmt: skip


def test_check_of_an_erratum_whose_record_cannot_be_read_says_it_is_not_recorded(ledger, tmp_path):
    """The records errata fix are looked up once the store is read; one that cannot be
    read is reported by the records read back, and the erratum finds nothing to fix."""
    with_erratum(ledger, tmp_path, erratum(set={"amount": "£1m"}))
    store_sql(ledger.store, "UPDATE {events} SET state = ? WHERE {position} = ?",
              (b"[]", len(world()) + 1))  # fmt: skip
    assert errata_failures(ledger) == (
        1,
        [("fix-06H", "it fixes 'alloc-06H', which is not recorded")],
    )


def kept_whole(what: str) -> str:
    """The problem with an erratum that would take away a record other records name."""
    return (
        f"fixes: {what}, which other records name: an erratum may fix its fields, but not "
        "withdraw it or change its kind"
    )


def test_check_finds_errata_that_take_away_what_records_name(ledger, tmp_path):
    """Errata that import refuses now, in a store written before it did: 06H withdrawn
    took its allocation out of every total while check said nothing."""
    imported(ledger, tmp_path / "history.jsonl", [*world(), allocation()])
    plant(
        ledger.store,
        erratum("gone-06H", fixes="06H", withdraw=True),
        erratum("now-a-source", fixes="05Q", set={"kind": "source"}),
        erratum("to-nowhere", set={"account": "ZZZ", "source": "05Q"}),
    )
    assert errata_failures(ledger) == (1, [
        ("gone-06H", kept_whole("'06H' is an organisation")),
        ("now-a-source", kept_whole("'05Q' is an organisation")),
        ("to-nowhere", "set: account: 'ZZZ' is not a recorded organisation"),
        ("to-nowhere", "set: source: '05Q' is not a recorded source"),
    ])  # fmt: skip


def test_check_compares_views_built_before_an_erratum_with_a_build_to_that_day(ledger, tmp_path):
    with_erratum(ledger, tmp_path, erratum(set={"amount": "£849,205k"}))
    earlier = tmp_path / "earlier.db"
    assert ledger("replay", "--recorded-by", BEFORE, "--views", str(earlier)).exit_code == 0
    result = ledger("--views", str(earlier), "check")
    assert result.exit_code == 0, result.output
    assert result.stdout == "No failures in 17 checks over 7 records.\n"


# What an erratum may not do (found by trying the tool): each is refused at import, with
# the line and why, and nothing of the batch is recorded, whether the record it fixes is
# stored or in the same batch (before the erratum or after it).
ERRATA_REFUSED = {
    "withdraw an organisation": (
        {"fixes": "06H", "withdraw": True},
        kept_whole("'06H' is an organisation"),
    ),
    "withdraw a source": (
        {"fixes": SOURCE_ID, "withdraw": True},
        kept_whole(f"{SOURCE_ID!r} is a source document"),
    ),
    "make an organisation something else": (
        {"fixes": "05Q", "set": {"kind": "allocation"}},
        kept_whole("'05Q' is an organisation"),
    ),
    "make a record an organisation": (
        {"set": {"kind": "organisation"}},
        "set: kind: an erratum cannot make a record an organisation; record one",
    ),
    "an unknown organisation": (
        {"set": {"account": "ZZZ"}},
        "set: account: unknown organisation 'ZZZ'",
    ),
    "an organisation in another case": (
        {"set": {"account": "06h"}},
        "set: account: unknown organisation '06h' (did you mean '06H'?)",
    ),
    "an unknown source": (
        {"set": {"source": "nope"}},
        "set: source: unknown source document 'nope' (add a source record)",
    ),
    "a record that is not a source": (
        {"set": {"source": "05Q"}},
        "set: source: '05Q' is an organisation record, not a source document",
    ),
    "a fraction of a pound": (
        {"set": {"amount": -1.5}},
        "set: amount: write amounts as text or whole pounds, not as a floating-point number "
        '(got -1.5; write "-1.5" or "£-1.5" to mean pounds)',
    ),
    "a field the record does not have": (
        {"unset": ["bogus"]},
        "unset: an allocation record has no field 'bogus'",
    ),
}
# Only a record in the same batch has its values checked one by one (a stored one is
# fixed and read again in full, which says the same in other words); a money, count or
# percent value is read alike whatever it fixes.
SET_VALUES_REFUSED = {
    "an impossible date": (
        {"set": {"as_at": "2013-02-30"}},
        "as_at: '2013-02-30' is not a date (write dates like 2013-09-30)",
    ),
}


def erratum_line(fields):
    """An erratum's JSON line, written as a user would (a fraction stays a JSON number)."""
    return json.dumps(erratum("bad-fix", **fields), ensure_ascii=False)


@pytest.mark.parametrize("where", ["stored", "batch, before", "batch, after"])
@pytest.mark.parametrize("what", [*ERRATA_REFUSED, *SET_VALUES_REFUSED])
def test_an_erratum_that_would_leave_the_record_wrong_is_refused(ledger, tmp_path, what, where):
    fields, message = {**ERRATA_REFUSED, **SET_VALUES_REFUSED}[what]
    target = fields.get("fixes", "alloc-06H")
    records = [json.dumps(record) for record in [*world(), allocation()]]
    if where == "stored":
        imported(ledger, tmp_path / "history.jsonl", [*world(), allocation()])
        lines = [erratum_line(fields)]
    else:  # the whole history in one batch, the erratum just before its record, or last
        at = next(i for i, line in enumerate(records) if json.loads(line)["id"] == target)
        at = at if where == "batch, before" else len(records)
        lines = [*records[:at], erratum_line(fields), *records[at:]]
    path = tmp_path / "errata.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    before = _events(ledger.store)
    result = CliRunner().invoke(
        main, ["--store", ledger.store, "--views", str(tmp_path / "v.db"), "import", str(path)]
    )
    line = 1 + lines.index(erratum_line(fields))
    if what in SET_VALUES_REFUSED and where == "stored":
        message = f"set: the fixed record is not valid: {message}"
    elif what in SET_VALUES_REFUSED:
        message = f"set: {message}"
    assert result.exit_code == 1
    assert f"{path}:{line}: {message}\n" in result.stderr
    assert _events(ledger.store) == before


def _events(store):
    try:
        with sqlite3.connect(store) as db:
            return db.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
