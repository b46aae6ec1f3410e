"""Small, readable records for tests: each factory gives a valid record, and keyword
arguments change or remove (value None) any field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SOURCE_ID = "board-paper-2013-11"


def _build(defaults: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    record = {**defaults, **changes}
    return {key: value for key, value in record.items() if value is not None}


def source(**changes: Any) -> dict[str, Any]:
    return _build(
        {
            "id": SOURCE_ID,
            "kind": "source",
            "title": "Board paper on the month-6 position",
            "publisher": "NHS England",
            "published": "2013-04-01",
            "dated_by": "date of the board meeting",
            "covers": "2013-14 month 6",
        },
        changes,
    )


def organisation(code: str, **changes: Any) -> dict[str, Any]:
    return _build(
        {
            "id": code,
            "kind": "organisation",
            "name": f"Organisation {code}",
            "type": "ccg",
            "as_at": "2013-04-01",
            "source": SOURCE_ID,
            "locator": "annex A",
        },
        changes,
    )


def _cited(kind: str, record_id: str, changes: dict[str, Any], **defaults: Any) -> dict[str, Any]:
    base = {"id": record_id, "kind": kind, **defaults}
    base.update(as_at="2013-09-30", source=SOURCE_ID, locator="table 1")
    return _build(base, changes)


def allocation(record_id: str = "alloc-06H", **changes: Any) -> dict[str, Any]:
    return _cited(
        "allocation",
        record_id,
        changes,
        account="06H",
        financial_year="2013-14",
        amount="£849,204k",
    )


def transfer(record_id: str = "transfer-05Q", **changes: Any) -> dict[str, Any]:
    defaults = {"from": "05Q", "to": "SPEC", "financial_year": "2013-14", "amount": "£5m"}
    return _cited(
        "transfer", record_id, changes, **defaults, reason="specialised services rebasing"
    )


def plan(record_id: str = "plan-06H", **changes: Any) -> dict[str, Any]:
    return _cited("plan", record_id, changes, account="06H", financial_year="2013-14", amount="0")


def forecast(record_id: str = "forecast-06H", **changes: Any) -> dict[str, Any]:
    return _cited(
        "forecast",
        record_id,
        changes,
        account="06H",
        financial_year="2013-14",
        period="M6",
        amount="-8.6m",
    )


def correction(record_id: str, corrects: str, **changes: Any) -> dict[str, Any]:
    return _cited(
        "correction",
        record_id,
        changes,
        corrects=corrects,
        action="reverse",
        reason="entered twice",
    )


def world() -> list[dict[str, Any]]:
    """A source and the organisations the other factories name."""
    return [
        source(),
        organisation("ccg-sector", type="sector"),
        organisation("06H", name="NHS Cambridgeshire and Peterborough CCG", parent="ccg-sector"),
        organisation(
            "05Q", name="NHS South East Staffs and Seisdon and Peninsular CCG", parent="ccg-sector"
        ),
        organisation("SPEC", name="Specialised commissioning", type="budget"),
    ]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def drawdown(record_id: str = "drawdown-06H", **changes: Any) -> dict[str, Any]:
    return _cited(
        "drawdown", record_id, changes, account="06H", financial_year="2013-14", amount="£2m"
    )


def qipp(record_id: str, measure: str, amount: str, **changes: Any) -> dict[str, Any]:
    defaults = {"account": "ccg-sector", "financial_year": "2013-14", "measure": measure}
    return _cited("qipp", record_id, changes, **defaults, amount=amount)


def figure(record_id: str, measure: str, **changes: Any) -> dict[str, Any]:
    defaults = {"account": "ccg-sector", "financial_year": "2013-14", "measure": measure}
    return _cited("figure", record_id, changes, **defaults)


def baseline(name: str = "september-2013", **changes: Any) -> dict[str, Any]:
    return _cited(
        "baseline",
        name,
        changes,
        financial_year="2013-14",
        effective="2013-09-30",
        known="2013-09-30",
        description="allocations as they stood at the end of September",
    )
