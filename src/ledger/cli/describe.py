"""``ledger view NAME --describe``: what a view shows, read from its file's header."""

from __future__ import annotations

from ledger.cli.output import visible
from ledger.views.projections import Projection


def description(projection: Projection) -> str:
    """The header's first line and prose, then its parameters, columns and status
    values, each name beside its meaning."""
    lines = [f"{projection.name}: {projection.description}"]
    prose = list(projection.comment)
    while prose and not prose[0].strip():
        prose.pop(0)
    if prose:
        lines += ["", *prose]
    sections = (
        ("Parameters (-p NAME VALUE)", [(p.name, p.description) for p in projection.parameters]),
        ("Columns (money in *_pence: tables print pounds, --units others)", projection.columns),
        ("Status values", projection.statuses),
    )
    for heading, entries in sections:
        if entries:
            lines += ["", f"{heading}:", *_aligned(entries)]
    if not projection.columns:
        lines += ["", "(its file has no '-- columns:' block saying what its columns mean)"]
    return "\n".join(map(visible, lines))


def _aligned(entries: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> list[str]:
    """Each name beside its meaning; a name too long for the column has its meaning on the
    next line (two lines, so that neither shows a line break as an escape)."""
    width = min(max(len(name) for name, _ in entries), 28)
    lines: list[str] = []
    for name, meaning in entries:
        if len(name) <= width:
            lines.append(f"  {name:<{width}}  {meaning}")
        else:
            lines += [f"  {name}", f"  {'':<{width}}  {meaning}"]
    return lines
