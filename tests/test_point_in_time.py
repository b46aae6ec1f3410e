"""Asking a full store "as at D" gives the same answer as replaying only what was known
by D, for random histories of allocations, transfers, plans, forecasts, drawdowns, QIPP,
reported figures, late-registered organisations and corrections."""

from datetime import date, timedelta

import pytest
from factories import (
    allocation,
    baseline,
    correction,
    drawdown,
    figure,
    forecast,
    organisation,
    plan,
    qipp,
    transfer,
    world,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stores import new_store, view

from ledger.records.periods import period_end
from ledger.views.projections import ProjectionError
from ledger.views.refresh import caught_up, replay

DATES = [date(2013, 4, 1) + timedelta(days=days) for days in range(0, 450, 9)]
ACCOUNTS = ["06H", "05Q", "LATE", "SPEC"]
VIEWS = [
    ("ccg-budgets", {"year": "2013-14"}),
    ("ccg-budgets", {"group": "region"}),
    ("baseline", {}),
    ("specialised-net-change", {"account": "SPEC"}),
    ("deficit-forecasts", {}),
    ("system-position", {"system": "ccg-sector"}),
    ("drawdown", {"year": "2013-14"}),
    ("qipp", {}),
]
CORRECTABLE = ("allocation", "transfer", "plan", "forecast", "drawdown", "qipp", "figure")


def money(draw, low=-50, high=50):
    pounds = draw(st.integers(low, high).filter(lambda n: n != 0))
    return f"{pounds}m"


@st.composite
def histories(draw):
    registered_late = draw(st.sampled_from(DATES[:20]))
    records = [
        *world(),
        organisation("Y55", name="Midlands and East", type="region"),
        organisation(
            "LATE",
            name="A CCG known late",
            parent="ccg-sector",
            region="Y55",
            as_at=registered_late.isoformat(),
        ),
        baseline(as_at=draw(st.sampled_from(DATES[20:40])).isoformat()),
    ]
    known = {}  # account ids usable from a date
    for number in range(draw(st.integers(1, 18))):
        kind = draw(
            st.sampled_from(
                [
                    "allocation",
                    "transfer",
                    "plan",
                    "forecast",
                    "drawdown",
                    "qipp",
                    "figure",
                    "correction",
                ]
            )
        )
        as_at = draw(st.sampled_from(DATES))
        accounts = [a for a in ACCOUNTS if a != "LATE" or as_at >= registered_late]
        account = draw(st.sampled_from(accounts))
        record_id = f"r{number}"
        common = {"as_at": as_at.isoformat(), "financial_year": "2013-14"}
        if kind == "allocation":
            records.append(allocation(record_id, account=account, amount=money(draw), **common))
        elif kind == "transfer":
            to = draw(st.sampled_from([a for a in accounts if a != account]))
            records.append(
                transfer(record_id, **{"from": account, "to": to}, amount=money(draw, 1), **common)
            )
        elif kind == "plan":
            records.append(plan(record_id, account=account, amount=money(draw), **common))
        elif kind == "drawdown":
            records.append(drawdown(record_id, account=account, amount=money(draw, 1), **common))
        elif kind in ("forecast", "qipp", "figure"):
            month = draw(st.sampled_from([f"M{m}" for m in range(1, 13)]))
            if period_end("2013-14", month) > as_at:
                continue
            period = {"period": month}
            if kind == "forecast":
                records.append(
                    forecast(record_id, account=account, amount=money(draw), **period, **common)
                )
            elif kind == "qipp":
                measure = draw(st.sampled_from(["plan", "shortfall"]))
                records.append(
                    qipp(record_id, measure, money(draw, 0), account=account, **period, **common)
                )
            else:
                records.append(
                    figure(
                        record_id,
                        "ccgs-forecasting-deficit",
                        count=draw(st.integers(0, 30)),
                        **period,
                        **common,
                    )
                )
        else:
            targets = [
                r for r in records if r["kind"] in CORRECTABLE and r["as_at"] <= common["as_at"]
            ]
            if not targets:
                continue
            target = draw(st.sampled_from(targets))
            if target["kind"] == "figure" or draw(st.booleans()):
                fix = {"action": "reverse"}
            else:
                low = 1 if target["kind"] in ("transfer", "drawdown") else 0
                fix = {"action": "replace", "amount": money(draw, low)}
            records.append(correction(record_id, target["id"], as_at=common["as_at"], **fix))
        known[record_id] = as_at
    return records


def answer(views, name, **params):
    """A view's rows, or "nothing recorded" when it says its filter matches nothing (its
    message names the date asked about, so two such answers are compared by kind)."""
    try:
        return view(views, name, **params)
    except ProjectionError:
        return "nothing recorded"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories(), as_at=st.sampled_from(DATES))
def test_a_view_as_at_a_date_equals_a_replay_of_what_was_known_by_then(
    tmp_path_factory, history, as_at
):
    folder = tmp_path_factory.mktemp("history")
    ledger = new_store(folder / "ledger.db", history)
    caught_up(ledger, folder / "full.db").close()
    replay(ledger, folder / "then.db", known_by=as_at.isoformat())
    for name, params in VIEWS:
        on_full_store = answer(folder / "full.db", name, as_at=as_at.isoformat(), **params)
        replayed = answer(folder / "then.db", name, as_at=as_at.isoformat(), **params)
        assert on_full_store == replayed, name
        assert answer(folder / "then.db", name, **params) == replayed, f"{name} by default"
    ledger.close()


def corrected_value(record, history, as_at):
    """A record's amount as known at ``as_at``: its latest correction known by then decides
    (a reversal leaves nothing), else the amount as first recorded; None if not yet known."""
    if record["as_at"] > as_at:
        return None
    amount = _pence(record["amount"])
    fixes = [
        (c["as_at"], n)
        for n, c in enumerate(history)
        if c["kind"] == "correction" and c["corrects"] == record["id"] and c["as_at"] <= as_at
    ]
    if fixes:
        latest = history[max(fixes)[1]]
        return None if latest["action"] == "reverse" else _pence(latest["amount"])
    return amount


def _pence(written):
    return int(written.removesuffix("m")) * 100_000_000


def expected_allocations(history, as_at):
    totals = {}
    for record in history:
        value = (
            corrected_value(record, history, as_at)
            if record["kind"] in ("allocation", "transfer")
            else None
        )
        if value is None:
            continue
        if record["kind"] == "allocation":
            totals[record["account"]] = totals.get(record["account"], 0) + value
        else:
            totals[record["from"]] = totals.get(record["from"], 0) - value
            totals[record["to"]] = totals.get(record["to"], 0) + value
    return totals


def expected_forecasts(history, as_at):
    latest = {}
    for position, record in enumerate(history):
        value = corrected_value(record, history, as_at) if record["kind"] == "forecast" else None
        if value is None:
            continue
        rank = (period_end("2013-14", record["period"]), record["as_at"], position)
        if record["account"] not in latest or rank > latest[record["account"]][0]:
            latest[record["account"]] = (rank, value)
    return {account: value for account, (_, value) in latest.items() if value < 0}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories(), as_at=st.sampled_from(DATES))
def test_the_views_agree_with_a_plain_reading_of_the_records(tmp_path_factory, history, as_at):
    folder = tmp_path_factory.mktemp("history")
    ledger = new_store(folder / "ledger.db", history)
    caught_up(ledger, folder / "views.db").close()
    day = as_at.isoformat()
    budgets = answer(folder / "views.db", "ccg-budgets", year="2013-14", as_at=day)
    expected = expected_allocations(history, day)
    ccgs = {
        code: expected.get(code, 0)
        for code in ("06H", "05Q", "LATE")
        if code != "LATE" or any(r["id"] == "LATE" and r["as_at"] <= day for r in history)
    }
    if budgets == "nothing recorded":  # no CCG's allocation for the year known by then
        assert not any(ccgs.values())
    else:
        assert {r["code"]: r["allocation_pence"] for r in budgets} == ccgs
    deficits = answer(folder / "views.db", "deficit-forecasts", year="2013-14", as_at=day)
    deficits = [] if deficits == "nothing recorded" else deficits
    assert {r["code"]: r["forecast_pence"] for r in deficits if r["row"] == "itemised"} == (
        expected_forecasts(history, day)
    )
    ledger.close()


def test_a_replay_to_before_the_organisations_were_known_answers_as_the_full_store(tmp_path):
    """An auditor replays the ledger to 31 March 2013, before any organisation, transfer,
    plan or reported figure was known, and asks for 2013-14: each view says no such
    figures were recorded, as the full store asked as at that day does, rather than
    answering an empty table (reconciliation) or a row of zeros (specialised-net-change,
    system-position), which it did when the views held no organisations or figures."""
    history = [
        *world(),
        allocation(),
        transfer(as_at="2013-08-01"),
        plan(as_at="2013-05-01"),
        figure("total", "ccg-total", amount="£849,204k", components=["alloc-06H"]),
    ]
    ledger = new_store(tmp_path / "ledger.db", history)
    caught_up(ledger, tmp_path / "full.db").close()
    replay(ledger, tmp_path / "then.db", known_by="2013-03-31")
    said = {
        "reconciliation": "no figures that name their components recorded for 2013-14",
        "specialised-net-change": "no transfers or reported net changes recorded for 2013-14",
        "system-position": "no plans, forecasts or limits recorded for 2013-14",
    }
    for name, message in said.items():
        for views, as_at in [("full.db", {"as_at": "2013-03-31"}), ("then.db", {})]:
            with pytest.raises(ProjectionError, match=message):
                view(tmp_path / views, name, year="2013-14", **as_at)
    ledger.close()
