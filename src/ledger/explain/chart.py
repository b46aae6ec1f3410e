"""A step chart of one figure over known dates, each change labelled (needs matplotlib,
the ``charts`` extra)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import IO, Any

from ledger.explain.timeline import Step, difference

MOST_LABELS = 30  # beyond this many known dates, only the largest changes are labelled
INSTALL_HINT = (
    "charts need matplotlib, which is optional: pip install 'commissioning-ledger[charts]' "
    "(in a checkout: .venv/bin/pip install -e '.[charts]')"
)


class ChartError(Exception):
    """A chart that cannot be drawn."""


@dataclass(frozen=True)
class _Point:
    """The figure at the end of one known date, and what changed it that day."""

    day: date
    value: int | str | None
    change: int | str | None
    label: str


def draw(steps: Sequence[Step], title: str, png: IO[bytes]) -> None:
    """Write a PNG step chart of the figure's value at the end of each known date."""
    pyplot = _pyplot()
    money = steps[0].unit == "gbp"
    points = _points_by_day(steps)
    days = [point.day for point in points]
    values = [_plotted(point.value, money) for point in points]
    figure, axes = pyplot.subplots(figsize=(10, 5.5))
    axes.step(days, values, where="post", color="#005eb8", linewidth=2)
    axes.plot(days, values, "o", color="#005eb8", markersize=4)
    for index in _labelled(points):
        point = points[index]
        axes.annotate(
            f"{_change_text(point.change, money)} {point.label}",
            (days[index], values[index]),
            textcoords="offset points",
            xytext=(4, 6 if index % 2 else -12),
            fontsize=7,
        )
    axes.set_title(title)
    axes.set_xlabel("known date (as at)")
    axes.set_ylabel("£ million" if money else steps[0].unit)
    axes.grid(True, alpha=0.3)
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(png, dpi=120, format="png")
    pyplot.close(figure)


def _points_by_day(steps: Sequence[Step]) -> list[_Point]:
    points: list[_Point] = []
    for day, same_day in groupby(steps, key=lambda step: step.as_at):
        changes = list(same_day)
        label = changes[0].record_id if len(changes) == 1 else f"{len(changes)} records"
        change = difference(changes[0].before, changes[-1].after)
        points.append(_Point(date.fromisoformat(day), changes[-1].after, change, label))
    return points


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as pyplot
    except ImportError:
        raise ChartError(INSTALL_HINT) from None
    return pyplot


def _plotted(value: int | str | None, money: bool) -> float:
    """Chart coordinates are the one place floats are allowed: pixels, not money."""
    if value is None:
        return 0.0
    return int(value) / 100 / 1_000_000 if money else float(value)


def _labelled(points: Sequence[_Point]) -> list[int]:
    order = sorted(range(len(points)), key=lambda i: -_size(points[i].change))
    return sorted(order[:MOST_LABELS])


def _size(change: int | str | None) -> float:
    return abs(float(change)) if change is not None else 0.0


def _change_text(change: int | str | None, money: bool) -> str:
    if change is None:
        return ""
    if money and isinstance(change, int):
        return f"{'+' if change >= 0 else '-'}£{abs(change) / 100 / 1_000_000:,.1f}m"
    return f"{change:+}" if isinstance(change, int) else f"{change}"
