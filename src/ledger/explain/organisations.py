"""Organisations over time, as the views database knows them: found by code or name, each
with its parents at each date, what it came from and what it went to, and its lineage
drawn as a tree (``ledger orgs``).

Everything is read through SQL from the ``organisations``, ``memberships``, ``closures``
and ``lineage`` tables, keeping only rows known by ``as_at`` when one is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from ledger.views.projections import run

ROW_COLUMNS = (
    "code",
    "name",
    "type",
    "opened",
    "closed",
    "parents",
    "predecessors",
    "successors",
)
TREE_COLUMNS = (
    "direction",
    "depth",
    "code",
    "name",
    "type",
    "opened",
    "closed",
    "via",
    "kind",
    "effective",
    "share",
    "basis",
)
_KNOWN = "(:as_at IS NULL OR as_at <= :as_at)"

_MATCHING = f"""
SELECT code FROM organisations
WHERE {_KNOWN}
  AND (:text IS NULL
       OR instr(lower(code), lower(:text)) > 0
       OR instr(lower(name), lower(:text)) > 0
       OR code IN (SELECT m.organisation FROM memberships AS m
                   WHERE instr(lower(m.name), lower(:text)) > 0
                     AND (:as_at IS NULL OR m.as_at <= :as_at)))
ORDER BY lower(code) = lower(:text) DESC, code
"""

_ORGANISATIONS = f"SELECT code, name, type, opened FROM organisations WHERE {_KNOWN}"

# An organisation's last day: the earliest closure recorded for it, as the views read
# it (a store written before import refused a second one may hold two).
_CLOSURES = f"""
SELECT organisation, MIN(effective) AS effective FROM closures WHERE {_KNOWN}
GROUP BY organisation
"""

# A later record about the same day replaces an earlier one.
_MEMBERSHIPS = f"""
SELECT organisation, area_team, region, effective FROM memberships WHERE {_KNOWN}
ORDER BY organisation, effective, position
"""

_LINEAGE = f"""
SELECT record_id, kind, predecessor, successor, effective, weight, weight_total, basis
FROM lineage WHERE {_KNOWN}
ORDER BY effective, position, record_id, weight_before, predecessor
"""


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str | None = None
    type: str | None = None
    opened: str | None = None
    closed: str | None = None

    @property
    def span(self) -> str:
        """``ccg, 2013-04-01 to 2015-03-31``, ``icb, from 2022-07-01``."""
        dates = (
            f"{self.opened or '?'} to {self.closed}"
            if self.closed
            else f"from {self.opened}"
            if self.opened
            else ""
        )
        return ", ".join(part for part in (self.type, dates) if part)


@dataclass(frozen=True)
class Link:
    """One predecessor and one successor of a merger or a split, from ``effective``."""

    record_id: str
    kind: str
    predecessor: str
    successor: str
    effective: str
    weight: int
    weight_total: int
    basis: str | None

    @property
    def share(self) -> str | None:
        """The successor's part of a split as a percentage, e.g. ``13.09%``."""
        if self.kind != "split":
            return None
        return f"{100 * self.weight / self.weight_total:.2f}%" if self.weight_total else "0.00%"


@dataclass
class Lineage:
    """What the views know about organisations, as at one date."""

    organisations: dict[str, Organisation]
    memberships: dict[str, list[tuple[str, str]]]  # code -> (parents, from) in date order
    links: list[Link]
    _before: dict[str, list[Link]] = field(default_factory=dict)
    _after: dict[str, list[Link]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for link in self.links:
            self._before.setdefault(link.successor, []).append(link)
            self._after.setdefault(link.predecessor, []).append(link)

    def organisation(self, code: str) -> Organisation:
        return self.organisations.get(code) or Organisation(code)

    def predecessors(self, code: str) -> list[Link]:
        return self._before.get(code, [])

    def successors(self, code: str) -> list[Link]:
        return self._after.get(code, [])


def matching(views_path: str | Path, text: str | None, as_at: str | None) -> list[str]:
    """The codes of the organisations whose code or name holds ``text`` (any case), an
    exact code first; all of them when ``text`` is None."""
    rows = run(views_path, _MATCHING, {"text": text, "as_at": as_at})
    return [row["code"] for row in rows]


def read_lineage(views_path: str | Path, as_at: str | None) -> Lineage:
    known = {"as_at": as_at}
    closed = {row["organisation"]: row["effective"] for row in run(views_path, _CLOSURES, known)}
    organisations = {
        row["code"]: Organisation(**row, closed=closed.get(row["code"]))
        for row in run(views_path, _ORGANISATIONS, known)
    }
    memberships: dict[str, list[tuple[str, str]]] = {}
    rows = run(views_path, _MEMBERSHIPS, known)
    for code, held in groupby(rows, key=lambda row: row["organisation"]):
        latest_each_day = {row["effective"]: row for row in held}  # the last recorded wins
        dated = memberships[code] = []
        for day, row in latest_each_day.items():
            parents = " ".join(p for p in (row["area_team"], row["region"]) if p)
            if not dated or dated[-1][0] != parents:
                dated.append((parents, day))
    links = [Link(**row) for row in run(views_path, _LINEAGE, known)]
    return Lineage(organisations, memberships, links)


def organisation_row(lineage: Lineage, code: str) -> dict[str, Any]:
    """One organisation: what it is, its parents at each date, and where it came from
    and went to, each with the date."""
    organisation = lineage.organisation(code)
    parents = "; ".join(f"{held} from {day}" for held, day in lineage.memberships.get(code, []))
    return {
        "code": code,
        "name": organisation.name,
        "type": organisation.type,
        "opened": organisation.opened,
        "closed": organisation.closed,
        "parents": parents or None,
        "predecessors": _joined(lineage.predecessors(code), _predecessor),
        "successors": _joined(lineage.successors(code), _successor),
    }


def _joined(links: list[Link], shown: Callable[[Link], str]) -> str | None:
    """Links grouped by the record that made them: ``00F, 00G, 00H on 2015-04-01``."""
    parts = [
        f"{', '.join(map(shown, together))} on {day}"
        for (_, day), together in groupby(links, key=lambda link: (link.record_id, link.effective))
    ]
    return "; ".join(parts) or None


def _predecessor(link: Link) -> str:
    return f"{link.share} of {link.predecessor}" if link.share else link.predecessor


def _successor(link: Link) -> str:
    return f"{link.successor} {link.share}" if link.share else link.successor


@dataclass(frozen=True)
class Node:
    """One line of a lineage tree: an organisation and the link to the line above it."""

    direction: str  # "self", "before" (a predecessor) or "after" (a successor)
    depth: int
    organisation: Organisation
    link: Link | None
    prefix: str  # the box characters drawn before it
    repeated: bool = False  # already on this branch: not followed again

    def row(self) -> dict[str, Any]:
        link, organisation = self.link, self.organisation
        via = None
        if link is not None:
            via = link.successor if self.direction == "before" else link.predecessor
        return {
            "direction": self.direction,
            "depth": self.depth,
            "code": organisation.code,
            "name": organisation.name,
            "type": organisation.type,
            "opened": organisation.opened,
            "closed": organisation.closed,
            "via": via,
            "kind": link.kind if link else None,
            "effective": link.effective if link else None,
            "share": link.share if link else None,
            "basis": link.basis if link else None,
        }

    def line(self) -> str:
        organisation = self.organisation
        text = f"{self.prefix}{organisation.code}"
        if organisation.name:
            text += f"  {organisation.name}"
        if organisation.span:
            text += f" ({organisation.span})"
        if self.link is not None:
            text += f": {self._relation(self.link)}"
        return text + (" (shown above)" if self.repeated else "")

    def _relation(self, link: Link) -> str:
        basis = f" (split by {link.basis})" if link.basis else " (split)"
        if self.direction == "before":
            if link.share:
                return f"{link.share} went to {link.successor} on {link.effective}{basis}"
            return f"merged into {link.successor} on {link.effective}"
        if link.share:
            return f"took {link.share} of {link.predecessor} on {link.effective}{basis}"
        return f"{link.predecessor} merged into it on {link.effective}"


def lineage_tree(lineage: Lineage, code: str) -> list[Node]:
    """The organisation, then its predecessors going back (and theirs), then its
    successors going forward (and theirs)."""
    return [
        Node("self", 0, lineage.organisation(code), None, ""),
        *_branches(lineage, code, "before", 1, "", {code}),
        *_branches(lineage, code, "after", 1, "", {code}),
    ]


def _branches(
    lineage: Lineage, code: str, direction: str, depth: int, indent: str, path: set[str]
) -> Iterator[Node]:
    links = lineage.predecessors(code) if direction == "before" else lineage.successors(code)
    for number, link in enumerate(links, start=1):
        last = number == len(links)
        other = link.predecessor if direction == "before" else link.successor
        repeated = other in path  # a cycle in bad records ends here
        organisation = lineage.organisation(other)
        branch = "└── " if last else "├── "
        yield Node(direction, depth, organisation, link, indent + branch, repeated)
        if not repeated:
            deeper = indent + ("    " if last else "│   ")
            yield from _branches(lineage, other, direction, depth + 1, deeper, path | {other})


def draw(nodes: list[Node]) -> str:
    """The tree as text: the organisation, then what it came from and what it went to."""
    before = [node for node in nodes if node.direction == "before"]
    after = [node for node in nodes if node.direction == "after"]
    lines = [node.line() for node in nodes if node.direction == "self"]
    lines += ["", "came from:", *(node.line() for node in before)] if before else []
    lines += ["", "went to:", *(node.line() for node in after)] if after else []
    if not before and not after:
        lines.append("(no merger or split recorded)")
    return "\n".join(lines)
