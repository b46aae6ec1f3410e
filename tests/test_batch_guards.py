"""What a batch of records must satisfy against itself and the store before it is
appended (issue 14): nothing import accepts may stop the views from building or make
`check` fail for good. Each refusal names the file and line, and records nothing."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from backends import store_sql
from conftest import REPOSITORY
from factories import (
    allocation,
    baseline,
    figure,
    organisation,
    plan,
    source,
    transfer,
    world,
    write_jsonl,
)


def refused(result, *problems):
    """The import was refused with exactly these problems, one line each."""
    assert result.exit_code == 1, result.output
    count = len(problems)
    found = f"{count} problem{'s' if count > 1 else ''} found; nothing was recorded."
    assert result.stderr == "".join(f"{line}\n" for line in problems) + f"Error: {found}\n"


def events_in(store):
    [(count,)] = store_sql(store, "SELECT COUNT(*) FROM {events}")
    return count


# -- item 3: a figure names each component once -------------------------------------------


@pytest.mark.parametrize(
    "components",
    [["alloc-06H", "alloc-06H"], ["alloc-06H", "-alloc-06H"], ["-alloc-06H", " alloc-06H "]],
    ids=["twice", "added-and-subtracted", "other-spelling"],
)
def test_a_figure_naming_a_component_twice_is_refused(run, store, tmp_path, components):
    base = write_jsonl(tmp_path / "base.jsonl", [*world(), allocation()])
    assert run("import", str(base)).exit_code == 0
    total = figure("total", "ccg-total", amount="£849,204k", components=components)
    path = write_jsonl(tmp_path / "figure.jsonl", [total])
    refused(
        run("import", str(path)),
        f"{path}:1: components: 'alloc-06H' is named more than once "
        "(a figure adds or subtracts each record once)",
    )
    assert events_in(store) == 6
    shown = run("view", "reconciliation", "-p", "year", "2013-14")  # the views still answer:
    assert (shown.exit_code, shown.stderr) == (  # the one figure was refused
        1,
        "Error: no figures that name their components recorded for 2013-14 (recorded years: "
        "none)\n",
    )


# -- item 19: what cannot be true is refused -------------------------------------------

FAR = "2999-01-01"
FUTURE_DATES = {
    "source published": (source(id="paper-2", published=FAR), f"published {FAR} is in the future"),
    "baseline known": (baseline(known=FAR), f"known {FAR} is in the future"),
    "allocation as_at": (allocation("a-2", as_at=FAR), f"as_at {FAR} is in the future"),
    "organisation opened": (
        organisation("99Z", opened="2999-04-01"),
        "opened 2999-04-01 is more than 10 years after the record was known (as_at 2013-04-01)",
    ),
    "closure effective": (
        {"id": "06H-closed", "kind": "closure", "organisation": "06H", "effective": FAR,
         "as_at": "2013-09-30", "source": "board-paper-2013-11", "locator": "p 1"},
        f"effective {FAR} is more than 10 years after the record was known (as_at 2013-09-30)",
    ),
    "merger effective": (
        {"id": "06H-merged", "kind": "merger", "organisation": "06H", "predecessors": ["05Q"],
         "effective": FAR, "as_at": "2013-09-30", "source": "board-paper-2013-11",
         "locator": "p 1"},
        f"effective {FAR} is more than 10 years after the record was known (as_at 2013-09-30)",
    ),
    "baseline effective": (
        baseline("march-2031", financial_year="2030-31", effective="2031-03-31", known="2013-11-01"),
        "effective 2031-03-31 is more than 10 years after the record was known (as_at 2013-09-30)",
    ),
    "plan financial year": (
        plan("p-2", financial_year="2030-31"),
        "effective 2030-04-01 is more than 10 years after the record was known (as_at 2013-09-30)",
    ),
    "transfer effective": (
        transfer("t-2", financial_year="2030-31", effective="2031-03-31"),
        "effective 2031-03-31 is more than 10 years after the record was known (as_at 2013-09-30)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", FUTURE_DATES, ids=str)
def test_a_date_that_cannot_be_true_yet_is_refused(sqlite_run, tmp_path, case):
    record, message = FUTURE_DATES[case]
    path = write_jsonl(tmp_path / "history.jsonl", [*world(), record])
    refused(sqlite_run("import", str(path)), f"{path}:{len(world()) + 1}: {message}")


def test_an_allocation_set_years_ahead_is_recorded(sqlite_run, tmp_path):
    ahead = allocation(financial_year="2022-23", as_at="2013-09-30")
    path = write_jsonl(tmp_path / "history.jsonl", [*world(), ahead])
    assert sqlite_run("import", str(path)).exit_code == 0


def test_a_fact_known_before_its_source_was_published_must_say_why(sqlite_run, tmp_path):
    later_paper = source(id="paper-2", published="2013-11-08")
    early = allocation(as_at="2013-09-30", source="paper-2")
    path = write_jsonl(tmp_path / "history.jsonl", [early, *world(), later_paper])
    refused(
        sqlite_run("import", str(path)),
        f"{path}:1: as_at 2013-09-30 is before its source 'paper-2' was published "
        "(2013-11-08): say why in reason",
    )
    explained = allocation(as_at="2013-09-30", source="paper-2", reason="restated in the paper")
    path = write_jsonl(tmp_path / "history.jsonl", [explained, *world(), later_paper])
    assert sqlite_run("import", str(path)).exit_code == 0


def test_the_published_history_imports_and_checks_clean(sqlite_run):
    imported = sqlite_run("import", str(REPOSITORY / "events"))
    assert imported.exit_code == 0, imported.output
    checked = sqlite_run("check")
    assert checked.exit_code == 0, checked.output


@pytest.fixture
def sqlite_run(sqlite_store, tmp_path):
    """The CLI on a SQLite store, for rules that do not depend on the backend."""
    from click.testing import CliRunner

    from ledger.cli import main

    views = str(tmp_path / "views.db")

    def invoke(*args):
        return CliRunner().invoke(main, ["--store", sqlite_store, "--views", views, *args])

    return invoke


# -- item 4: organisations over time ---------------------------------------------------


def closure(code, effective, record_id=None, **changes):
    return {"id": record_id or f"{code}-closed", "kind": "closure", "organisation": code,
            "effective": effective, "as_at": "2013-09-30", "source": "board-paper-2013-11",
            "locator": "annex B", **changes}  # fmt: skip


def merger(successor, *predecessors, effective="2014-04-01", record_id=None):
    return {"id": record_id or f"{'-'.join(predecessors)}-into-{successor}", "kind": "merger",
            "organisation": successor, "predecessors": list(predecessors),
            "effective": effective, "as_at": "2013-09-30", "source": "board-paper-2013-11",
            "locator": "annex C"}  # fmt: skip


NEXT_YEAR = allocation("alloc-06H-2014", financial_year="2014-15")
CLOSED = "06H closed on 2014-03-31"
ORPHANED = "before 2014-04-01, and no merger carries its figures on"


def test_a_figure_after_its_organisation_closed_is_refused_in_either_order(sqlite_run, tmp_path):
    first = write_jsonl(
        tmp_path / "first.jsonl", [*world(), closure("06H", "2014-03-31"), NEXT_YEAR]
    )
    refused(
        sqlite_run("import", str(first)),
        f"{first}:7: account: {CLOSED} (06H-closed, {first}:6), {ORPHANED}",
    )
    later = write_jsonl(
        tmp_path / "later.jsonl", [*world(), NEXT_YEAR, closure("06H", "2014-03-31")]
    )
    refused(
        sqlite_run("import", str(later)),
        f"{later}:6: account: {CLOSED} (06H-closed, {later}:7), {ORPHANED}",
    )
    moved = transfer(**{"from": "05Q", "to": "06H", "financial_year": "2014-15"})
    path = write_jsonl(tmp_path / "transfer.jsonl", [*world(), moved, closure("06H", "2014-03-31")])
    refused(
        sqlite_run("import", str(path)),
        f"{path}:6: to: {CLOSED} (06H-closed, {path}:7), {ORPHANED}",
    )


def test_a_figure_after_a_stored_closure_is_refused(run, store, tmp_path):
    base = write_jsonl(tmp_path / "base.jsonl", [*world(), closure("06H", "2014-03-31")])
    assert run("import", str(base)).exit_code == 0
    path = write_jsonl(tmp_path / "next.jsonl", [NEXT_YEAR])
    refused(
        run("import", str(path)),
        f"{path}:1: account: {CLOSED} (06H-closed, recorded in the store), {ORPHANED}",
    )
    assert events_in(store) == 6


LATER = allocation("alloc-06H-2014b", financial_year="2014-15", amount="£1m")
PLANNED = plan("plan-06H-2014", financial_year="2014-15")


def test_every_figure_of_a_day_after_its_organisation_closed_is_named(sqlite_run, tmp_path):
    """The checker keeps the first figure of each day; the others of that day are named
    with it, read again from the file, so that fixing one line is not refused again for
    the next."""
    path = write_jsonl(
        tmp_path / "closing.jsonl",
        [*world(), NEXT_YEAR, closure("06H", "2014-03-31"), LATER, PLANNED],
    )
    refused(
        sqlite_run("import", str(path)),
        f"{path}:6: account: {CLOSED} (06H-closed, {path}:7), {ORPHANED}; the batch has 2 more "
        f"figures about that day: alloc-06H-2014b ({path}:8) and plan-06H-2014 ({path}:9)",
    )


def test_every_figure_of_a_day_after_a_stored_closure_is_named(run, store, tmp_path):
    base = write_jsonl(tmp_path / "base.jsonl", [*world(), closure("06H", "2014-03-31")])
    assert run("import", str(base)).exit_code == 0
    path = write_jsonl(tmp_path / "next.jsonl", [NEXT_YEAR, LATER])
    refused(
        run("import", str(path)),
        f"{path}:1: account: {CLOSED} (06H-closed, recorded in the store), {ORPHANED}; the "
        f"batch has 1 more figure about that day: alloc-06H-2014b ({path}:2)",
    )
    assert events_in(store) == 6


def test_a_figure_of_that_day_the_file_withdraws_is_not_named(sqlite_run, tmp_path):
    withdrawn = {"id": "no-later", "kind": "erratum", "fixes": "alloc-06H-2014b",
                 "withdraw": True, "recorded": "2026-01-05", "reason": "entered twice",
                 "source": "board-paper-2013-11", "locator": "note 1"}  # fmt: skip
    path = write_jsonl(
        tmp_path / "closing.jsonl",
        [*world(), closure("06H", "2014-03-31"), NEXT_YEAR, LATER, PLANNED, withdrawn],
    )
    refused(
        sqlite_run("import", str(path)),
        f"{path}:7: account: {CLOSED} (06H-closed, {path}:6), {ORPHANED}; the batch has 1 more "
        f"figure about that day: plan-06H-2014 ({path}:9)",
    )


def test_a_closure_before_stored_figures_of_later_years_is_refused(run, store, tmp_path):
    base = write_jsonl(tmp_path / "base.jsonl", [*world(), allocation(), NEXT_YEAR])
    assert run("import", str(base)).exit_code == 0
    path = write_jsonl(tmp_path / "closure.jsonl", [closure("06H", "2014-03-31")])
    refused(
        run("import", str(path)),
        f"{path}:1: effective: 06H has figures about 2014-04-01 (alloc-06H-2014, recorded in "
        "the store), after it would close on 2014-03-31, and no merger carries them on",
    )
    assert events_in(store) == 7


def test_a_merger_carries_a_closed_predecessors_figures_on(sqlite_run, tmp_path):
    carried = [*world(), closure("05Q", "2014-03-31"), merger("06H", "05Q"),
               allocation("alloc-05Q-2014", account="05Q", financial_year="2014-15")]  # fmt: skip
    path = write_jsonl(tmp_path / "history.jsonl", carried)
    assert sqlite_run("import", str(path)).exit_code == 0
    checked = sqlite_run("check")
    assert checked.exit_code == 0, checked.output


def test_a_circle_of_mergers_is_refused(sqlite_run, tmp_path):
    two = [*world(), merger("06H", "05Q"), merger("05Q", "06H")]
    path = write_jsonl(tmp_path / "two.jsonl", two)
    refused(
        sqlite_run("import", str(path)),
        f"{path}:6: predecessors: 05Q -> 06H -> 05Q is a circle of mergers: an organisation "
        "cannot be merged into its own successor",
        f"{path}:7: predecessors: 06H -> 05Q -> 06H is a circle of mergers: an organisation "
        "cannot be merged into its own successor",
    )
    three = [*world(), organisation("07A"), merger("06H", "05Q"), merger("07A", "06H"),
             merger("05Q", "07A")]  # fmt: skip
    path = write_jsonl(tmp_path / "three.jsonl", three)
    result = sqlite_run("import", str(path))
    assert result.exit_code == 1
    assert (
        f"{path}:9: predecessors: 07A -> 05Q -> 06H -> 07A is a circle of mergers" in result.stderr
    )


def test_a_merger_closing_a_circle_with_stored_mergers_is_refused(run, tmp_path):
    base = write_jsonl(tmp_path / "base.jsonl", [*world(), merger("06H", "05Q")])
    assert run("import", str(base)).exit_code == 0
    path = write_jsonl(tmp_path / "back.jsonl", [merger("05Q", "06H")])
    refused(
        run("import", str(path)),
        f"{path}:1: predecessors: 06H -> 05Q -> 06H is a circle of mergers: an organisation "
        "cannot be merged into its own successor",
    )


def test_a_parent_that_is_itself_or_a_circle_is_refused(sqlite_run, tmp_path):
    path = write_jsonl(tmp_path / "self.jsonl", [source(), organisation("07A", parent="07A")])
    refused(
        sqlite_run("import", str(path)),
        f"{path}:2: parent: 07A -> 07A is a circle: an organisation cannot be under itself",
    )
    circle = [source(), organisation("07A", parent="07B"), organisation("07B", parent="07A")]
    path = write_jsonl(tmp_path / "circle.jsonl", circle)
    refused(
        sqlite_run("import", str(path)),
        f"{path}:2: parent: 07A -> 07B -> 07A is a circle: an organisation cannot be under itself",
        f"{path}:3: parent: 07B -> 07A -> 07B is a circle: an organisation cannot be under itself",
    )


def test_a_merger_into_a_closed_organisation_is_refused_in_either_order(run, tmp_path):
    into_closed = [*world(), closure("06H", "2014-03-31"), merger("06H", "05Q")]
    path = write_jsonl(tmp_path / "a.jsonl", into_closed)
    refused(
        run("import", str(path)),
        f"{path}:7: organisation: 06H closed on 2014-03-31 (06H-closed, {path}:6), before this "
        "merger into "
        "it on 2014-04-01",
    )
    path = write_jsonl(tmp_path / "b.jsonl", list(reversed(into_closed)))
    refused(
        run("import", str(path)),
        f"{path}:2: effective: 06H cannot close on 2014-03-31, before the merger into it on "
        f"2014-04-01 (05Q-into-06H, {path}:1)",
    )
    stored = write_jsonl(tmp_path / "stored.jsonl", [*world(), merger("06H", "05Q")])
    assert run("import", str(stored)).exit_code == 0
    path = write_jsonl(tmp_path / "c.jsonl", [closure("06H", "2014-03-31")])
    refused(
        run("import", str(path)),
        f"{path}:1: effective: 06H cannot close on 2014-03-31, before the merger into it on "
        "2014-04-01 (05Q-into-06H, recorded in the store)",
    )


def test_a_closure_before_the_organisation_opened_is_refused(sqlite_run, tmp_path):
    records = [source(), organisation("07A", opened="2013-04-01"), closure("07A", "2013-03-31")]
    path = write_jsonl(tmp_path / "history.jsonl", records)
    refused(
        sqlite_run("import", str(path)),
        f"{path}:3: effective: 07A cannot close on 2013-03-31, before it opened on 2013-04-01",
    )
    records = [*world(), organisation("07A", opened="2014-06-01"), merger("07A", "05Q")]
    path = write_jsonl(tmp_path / "merger.jsonl", records)
    refused(
        sqlite_run("import", str(path)),
        f"{path}:7: organisation: 07A opened on 2014-06-01, after this merger into it on 2014-04-01",
    )


# -- item 5: sums stay exact integers --------------------------------------------------

TEN_TRILLION = 10**15  # pence
FITS = 4611  # allocations of £10tn whose sum, counted twice, fits a 64-bit integer


def huge(count, start=0, account="06H"):
    return [
        allocation(f"huge-{account}-{n}", account=account, amount_pence=TEN_TRILLION, amount=None)
        for n in range(start, start + count)
    ]


def test_the_allocations_that_fit_are_summed_exactly(sqlite_run, tmp_path):
    path = write_jsonl(tmp_path / "history.jsonl", [*world(), *huge(FITS)])
    assert sqlite_run("import", str(path)).exit_code == 0
    shown = sqlite_run("view", "ccg-budgets", "-p", "year", "2013-14", "-p", "group", "england",
                       "--format", "json")  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)[0]["allocation_pence"] == FITS * TEN_TRILLION


BEYOND = "more than £46,116,860,184,273,879.03, beyond what the ledger can add up exactly"


def test_a_total_past_what_can_be_summed_exactly_is_refused(sqlite_run, tmp_path):
    path = write_jsonl(tmp_path / "history.jsonl", [*world(), *huge(FITS + 5)])
    refused(
        sqlite_run("import", str(path)),
        f"{path}:{5 + FITS + 1}: amount: 06H's figures for 2013-14 would add up to {BEYOND}",
    )
    spread = [*world(), *huge(FITS // 2 + 1), *huge(FITS // 2 + 1, account="05Q")]
    path = write_jsonl(tmp_path / "spread.jsonl", spread)
    refused(
        sqlite_run("import", str(path)),
        f"{path}:{5 + FITS + 1}: amount: the figures of every organisation for 2013-14 (with "
        f"this one for 05Q) would add up to {BEYOND}",
    )


def test_the_stored_totals_count_too(run, store, tmp_path):
    base = write_jsonl(tmp_path / "base.jsonl", [*world(), *huge(3000)])
    assert run("import", str(base)).exit_code == 0
    path = write_jsonl(tmp_path / "more.jsonl", huge(FITS - 3000 + 1, start=3000))
    refused(
        run("import", str(path)),
        f"{path}:{FITS - 3000 + 1}: amount: 06H's figures for 2013-14 would add up to {BEYOND}",
    )
    assert events_in(store) == 3005


def test_a_count_too_large_to_sum_is_refused(sqlite_run, tmp_path):
    counted = figure("ccgs", "ccgs-in-deficit", period="M6", as_at="2013-10-31", count=10**16)
    path = write_jsonl(tmp_path / "history.jsonl", [*world(), counted])
    refused(
        sqlite_run("import", str(path)),
        f"{path}:6: count: 10000000000000000 is more than any count (at most 1,000,000,000,000)",
    )


# -- item 20: a figure is never known before its organisation -----------------------------


def test_a_figure_known_before_its_organisation_is_refused(sqlite_run, tmp_path):
    early = allocation(as_at="2013-03-01", reason="announced before the CCGs took office")
    path = write_jsonl(tmp_path / "history.jsonl", [*world(), early])
    refused(
        sqlite_run("import", str(path)),
        f"{path}:6: account: 06H is known only from 2013-04-01 (organisation 06H, {path}:3), "
        "after this record "
        "(as_at 2013-03-01); record it as known from then",
    )


def as_fixed(records):
    """The exported records as their errata fix them (errata apply across all of time):
    fields set and removed, withdrawn records left out, the errata themselves dropped."""
    by_id = {record["id"]: dict(record) for record in records if record["kind"] != "erratum"}
    errata = sorted((r for r in records if r["kind"] == "erratum"), key=lambda r: r["recorded"])
    for erratum in errata:
        target = by_id.get(erratum["fixes"])
        if target is None:
            continue
        if erratum.get("withdraw"):
            del by_id[erratum["fixes"]]
            continue
        for name in erratum.get("unset", []):
            target.pop(name, None)
        target.update(erratum.get("set", {}))
    return [by_id[record["id"]] for record in records if record["id"] in by_id]


def fold(records, year, as_at, effective=None):
    """Each account's allocation in ``year`` as known at ``as_at`` (about dates up to
    ``effective``), worked out from the exported records alone: every allocation and
    transfer side counts whenever it is known, at the value of its latest version known
    by then, and a merger known by then moves a predecessor's figures from its date on."""
    versions = {}  # record id -> [(as_at, position, value or None)]
    for position, record in enumerate(records):
        if record["kind"] in ("allocation", "transfer"):
            versions[record["id"]] = [(record["as_at"], position, record["amount_pence"])]
        elif record["kind"] == "correction" and record["corrects"] in versions:
            value = None if record["action"] == "reverse" else record["amount_pence"]
            versions[record["corrects"]].append((record["as_at"], position, value))
    mergers = [r for r in records if r["kind"] == "merger" and r["as_at"] <= as_at]
    totals = {}
    for record in records:
        if record["kind"] not in ("allocation", "transfer") or record["financial_year"] != year:
            continue
        if record["as_at"] > as_at or (effective and record["effective"] > effective):
            continue
        _, _, value = max(v for v in versions[record["id"]] if v[0] <= as_at)
        sides = ([(record["from"], -1), (record["to"], 1)] if record["kind"] == "transfer"
                 else [(record["account"], 1)])  # fmt: skip
        for account, sign in sides:
            for merged in mergers:
                if account in merged["predecessors"] and record["effective"] >= merged["effective"]:
                    account = merged["organisation"]
            totals[account] = totals.get(account, 0) + sign * (value or 0)
    return totals


def test_allocation_views_agree_with_an_independent_fold_of_the_export(sqlite_run, tmp_path):
    history = tmp_path / "synthetic.jsonl"
    assert sqlite_run("import", str(REPOSITORY / "events")).exit_code == 0
    made = sqlite_run("demo", "generate", "--events", "12000", "--seed", "3", "-o", str(history))
    assert made.exit_code == 0, made.output
    assert sqlite_run("import", str(history)).exit_code == 0
    exported = sqlite_run("export", "-o", "-")
    records = as_fixed([json.loads(line) for line in exported.stdout.splitlines()])
    known = next(r for r in records if r["id"] == "september-2013")["known"]
    ccgs = {r["id"] for r in records if r["kind"] == "organisation" and r["type"] == "ccg"}
    rng = random.Random(20)
    days = [date(2012, 12, 1) + timedelta(days=rng.randrange(1000)) for _ in range(6)]
    # 2013-12-01: the baseline is named (6 November) but its figures are not yet known
    for as_at in ["2013-01-03", "2013-04-01", "2013-12-01",
                  *sorted(day.isoformat() for day in days)]:  # fmt: skip
        for year in ("2013-14", "2014-15"):
            shown = sqlite_run("view", "ccg-budgets", "-p", "year", year, "-p", "as_at", as_at,
                               "--format", "json")  # fmt: skip
            folded = fold(records, year, as_at)
            expected = {code: value for code, value in folded.items() if code in ccgs}
            if shown.exit_code == 1:  # no allocation of the year known by then, it says
                assert "no allocations recorded for" in shown.stderr
                assert not any(expected.values()), (as_at, year)
                continue
            rows = {row["code"]: row["allocation_pence"] for row in json.loads(shown.stdout)}
            assert {code: rows.get(code, 0) for code in expected} == expected, (as_at, year)
            assert sum(rows.values()) == sum(expected.values()), (as_at, year)
        shown = sqlite_run("view", "baseline", "-p", "as_at", as_at, "--format", "json")
        if shown.exit_code == 1:  # the baseline itself not yet recorded by then
            assert "no baseline september-2013 is recorded by" in shown.stderr
            continue
        rows = json.loads(shown.stdout)
        at_baseline = fold(records, "2013-14", min(as_at, known), effective="2013-09-30")
        known_now = fold(records, "2013-14", as_at, effective="2013-09-30")
        assert {r["code"]: r["baseline_pence"] for r in rows} == {
            r["code"]: at_baseline.get(r["code"], 0) for r in rows
        }
        assert {r["code"]: r["known_now_pence"] for r in rows} == {
            r["code"]: known_now.get(r["code"], 0) for r in rows
        }
