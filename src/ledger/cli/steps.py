"""How audit and diff print the steps of a figure: a row per step, or per organisation
its net change; a money figure's values in columns named ``*_pence``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ledger.cli.output import plural

if TYPE_CHECKING:
    from ledger.explain.timeline import Step


def step_row(step: Step) -> dict[str, Any]:
    """One step: when it became known, what moved, by how much, and why, with its source."""
    return {
        "as_at": step.as_at,
        "effective": step.effective,
        "kind": step.kind,
        "record": step.record_id,
        "account": step.account,
        **unit_values([step], change=step.change, before=step.before, after=step.after),
        "note": step.note,
        "reason": step.reason,
        "source": f"{step.source} {step.locator}",
    }


def by_member(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """The net change of each organisation that moved, largest first."""
    net: dict[str, int] = {}
    events: Counter[str] = Counter()
    for step in steps:
        change = step.change
        net[step.account] = net.get(step.account, 0) + (change if isinstance(change, int) else 0)
        events[step.account] += 1
    ordered = sorted(net, key=lambda member: (-abs(net[member]), member))
    return [
        {"as_at": None, "kind": "(member)", "record": None, "account": member,
         **unit_values(steps, change=net[member]), "note": plural(events[member], "event")}
        for member in ordered
    ]  # fmt: skip


def unit_values(steps: Sequence[Step], **values: Any) -> dict[str, Any]:
    """``change``/``after`` as ``change_pence``/``after_pence`` when the figure is money."""
    money = not steps or steps[0].unit == "gbp"
    return {(f"{name}_pence" if money else name): value for name, value in values.items()}


def with_unit(columns: list[str], steps: Sequence[Step]) -> list[str]:
    """``columns`` with the money ones named as ``unit_values`` names them."""
    money = not steps or steps[0].unit == "gbp"
    valued = ("change", "before", "after")
    return [f"{c}_pence" if money and c in valued else c for c in columns]
