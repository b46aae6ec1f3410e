"""What to say when a figure has no audit rows: that no organisation has it in the year
asked, or what is recorded for the organisation and, when mergers or splits carried
figures into it or on from it, where they are."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ledger.explain.groupings import GROUPINGS, grouping_said
from ledger.explain.suggest import did_you_mean
from ledger.explain.timeline import ADDITIVE_MEASURES
from ledger.explain.unrecorded import unrecorded_year
from ledger.records.kinds import MONEY_MEASURES
from ledger.views.projections import run

MAX_DEPTH = 100  # lineage is followed no further, whatever the views hold


def nothing_recorded(
    path: str | Path,
    account: str,
    measure: str,
    year: str | None,
    as_at: str | None = None,
    lineage_as_at: str | None = None,
) -> str:
    """Why ``account`` has no ``measure`` (in ``year``, known by ``as_at``, through the
    mergers and splits known by ``lineage_as_at``, default ``as_at``): the message for the
    user."""
    known = run(path, "SELECT type FROM organisations WHERE code = :code", {"code": account})
    if not known:
        return f"unknown organisation {account!r}"
    unknown = _unknown_measure(path, measure)
    if known[0]["type"] in GROUPINGS:  # (which hold no figures of their own to list)
        said = unknown or grouping_said(path, account, str(known[0]["type"]), measure, year, as_at)
        if said:
            return said
    if year is not None and (said := unrecorded_year(path, account, measure, year, as_at)):
        return said
    lineage = run(path, "SELECT * FROM lineage ORDER BY effective, record_id, weight_before")
    predecessors = _predecessors(lineage, account)
    if unknown:
        whose = f"{account} and its predecessors" if predecessors else account
        return f"{unknown}; recorded for {whose}: {_recorded(path, [account, *predecessors])}"
    successors = [row for row in lineage if row["predecessor"] == account]
    first = None if as_at is None else _first_known(path, [account, *predecessors], measure, year)
    if as_at is not None and first is not None and first > as_at:
        in_year = f" for {year}" if year else ""
        return (
            f"nothing of {account}'s {measure}{in_year} was known by {as_at}: the first "
            f"record of it became known on {first}"
        )
    if not predecessors and not successors:
        what = _recorded(path, [account])
        in_year = f" in {year}" if year else ""
        return f"no {measure} recorded for {account}{in_year}; recorded for {account}: {what}"
    for_year = f" for {year}" if year else ""
    said = f"{account} has no {measure}{for_year}"
    if predecessors:
        theirs = _having(path, predecessors, measure, year, as_at)
        if theirs:
            said += _why_not_theirs(lineage, account, measure, theirs, lineage_as_at or as_at)
        else:
            said += f", nor {_its_predecessors(predecessors, verb_first=True)}"
    if successors:
        said += f"; {_carried_on(path, lineage, account, successors)}"
    whose = f"{account} and its predecessors" if predecessors else account
    return f"{said}; recorded for {whose}: {_recorded(path, [account, *predecessors])}"


def _unknown_measure(path: str | Path, measure: str) -> str | None:
    """What to say of a measure no organisation has in any year (a misspelt one, say),
    naming the recorded measure closest to it; None for a measure that is recorded, or is
    one of the ledger's own (MONEY_MEASURES), which a store may simply not hold yet."""
    if measure in MONEY_MEASURES:
        return None
    measures = [
        str(row["measure"]) for row in run(path, "SELECT DISTINCT measure FROM known_years")
    ]
    if measure in measures:
        return None
    hint = did_you_mean(measure, measures)
    return f"no figure of measure {measure!r} is recorded for any organisation, in any year{hint}"


def no_service(
    path: str | Path,
    account: str,
    measure: str,
    year: str | None,
    service: str,
    as_at: str | None = None,
) -> str:
    """Why ``account`` has no ``measure`` of ``service`` (known by ``as_at``): that no
    organisation has ``measure`` in ``year``, when the first of it became known, or which
    services it has."""
    if year is not None and (said := unrecorded_year(path, account, measure, year, as_at)):
        return said
    found = run(
        path,
        "SELECT service, MIN(as_at) AS first FROM postings WHERE account = :account"
        " AND measure = :measure AND (:year IS NULL OR financial_year = :year)"
        " AND service IS NOT NULL GROUP BY service ORDER BY service",
        {"account": account, "measure": measure, "year": year},
    )
    first = {row["service"]: str(row["first"]) for row in found}
    in_year = f" for {year}" if year else ""
    if as_at is not None and first.get(service, as_at) > as_at:
        return (
            f"nothing of {account}'s {measure} of the {service} service{in_year} was known "
            f"by {as_at}: the first record of it became known on {first[service]}"
        )
    has = ", ".join(first) or "none"
    in_year = f" in {year}" if year else ""
    return (
        f"no {measure} of the {service} service recorded for {account}{in_year}; "
        f"services it has: {has}"
    )


def _predecessors(lineage: Sequence[dict[str, Any]], account: str) -> list[str]:
    """Every organisation whose figures were carried on into ``account``, however far back."""
    found: set[str] = set()
    wave, depth = {account}, 0
    while wave and depth < MAX_DEPTH:
        wave = {row["predecessor"] for row in lineage if row["successor"] in wave} - found
        wave.discard(account)
        found |= wave
        depth += 1
    return sorted(found)


def _having(
    path: str | Path, codes: list[str], measure: str, year: str | None, as_at: str | None
) -> list[str]:
    """Those of ``codes`` with a ``measure`` (in ``year``) known by ``as_at``."""
    return [
        code
        for code in codes
        if (first := _first_known(path, [code], measure, year)) is not None
        and (as_at is None or first <= as_at)
    ]


def _why_not_theirs(
    lineage: Sequence[dict[str, Any]],
    account: str,
    measure: str,
    theirs: list[str],
    lineage_as_at: str | None,
) -> str:
    """Why the figures that predecessors do have did not count: the mergers or splits that
    carry them on became known after the day asked about, or the measure supersedes and
    theirs are about days before they were carried on."""
    have = f"; {_its_predecessors(theirs)} one"
    if lineage_as_at is not None:
        then = _predecessors([row for row in lineage if row["as_at"] <= lineage_as_at], account)
        if not set(theirs) <= set(then):
            known = _day_lineage_reaches(lineage, account, theirs, lineage_as_at)
            return (
                f"{have}, but that those figures are carried on to {account} became known "
                f"only on {known} (--as-at {known} or later counts them; diff follows the "
                "mergers and splits known today)"
            )
    if measure in ADDITIVE_MEASURES:  # carried on whole, in any year: nothing to add
        return ""
    days = [row["effective"] for row in lineage if row["predecessor"] in theirs]
    return (
        f"{have}, but a {measure} supersedes rather than adds up, so a predecessor's counts "
        f"only from {min(days)}, when its figures were carried on (audit {theirs[0]} "
        f"{measure} shows it)"
    )


def _day_lineage_reaches(
    lineage: Sequence[dict[str, Any]], account: str, codes: list[str], after: str
) -> str:
    """The first day after ``after`` by which the known lineage carries ``codes`` into
    ``account``."""
    for day in sorted({str(row["as_at"]) for row in lineage if row["as_at"] > after}):
        known = [row for row in lineage if row["as_at"] <= day]
        if set(codes) <= set(_predecessors(known, account)):
            return day
    return max(str(row["as_at"]) for row in lineage)


def _carried_on(
    path: str | Path, lineage: Sequence[dict[str, Any]], account: str, ways: list[dict[str, Any]]
) -> str:
    """Where ``account``'s figures went: 'it closed on ... and its figures are carried to
    X, then Y' or '... apportioned between A (n%) and B (m%) by <basis>'."""
    closed = run(
        path,
        "SELECT MIN(effective) AS effective FROM closures WHERE organisation = :code",
        {"code": account},
    )[0]["effective"]
    first = ways[0]["effective"]
    when = f"it closed on {closed} and" if closed else f"from {first}"
    if ways[0]["kind"] == "split":
        parts = [
            f"{row['successor']} ({100 * row['weight'] / row['weight_total']:.2f}%)"
            for row in ways
            if row["record_id"] == ways[0]["record_id"]
        ]
        return f"{when} its figures are apportioned between {_listed(parts)} by {ways[0]['basis']}"
    onward = [ways[0]["successor"]]
    while len(onward) < MAX_DEPTH:
        nexts = [row for row in lineage if row["predecessor"] == onward[-1]]
        if not nexts or nexts[0]["kind"] == "split" or nexts[0]["successor"] in onward:
            break
        onward.append(nexts[0]["successor"])
    return f"{when} its figures are carried to {', then '.join(onward)}"


def _first_known(path: str | Path, codes: list[str], measure: str, year: str | None) -> str | None:
    """The day the first posting of ``measure`` (in ``year``) of ``codes`` became known."""
    marks, bound = _bound(codes)
    [row] = run(
        path,
        f"SELECT MIN(as_at) AS first FROM postings WHERE account IN ({marks}) "
        "AND measure = :measure AND (:year IS NULL OR financial_year = :year)",
        bound | {"measure": measure, "year": year},
    )
    return None if row["first"] is None else str(row["first"])


def _recorded(path: str | Path, codes: list[str]) -> str:
    """The measures recorded for ``codes`` and the years of each, or 'nothing'."""
    marks, bound = _bound(codes)
    recorded = run(
        path,
        "SELECT measure, group_concat(DISTINCT financial_year) AS years "
        f"FROM (SELECT * FROM postings WHERE account IN ({marks}) ORDER BY financial_year) "
        "GROUP BY measure ORDER BY measure",
        bound,
    )
    return "; ".join(f"{row['measure']} ({row['years']})" for row in recorded) or "nothing"


def _bound(codes: list[str]) -> tuple[str, dict[str, str]]:
    """``codes`` as the parameters of an ``IN (...)``: their marks, and their values."""
    marks = ", ".join(f":c{number}" for number in range(len(codes)))
    return marks, {f"c{number}": code for number, code in enumerate(codes)}


def _its_predecessors(codes: Sequence[str], verb_first: bool = False) -> str:
    """'its predecessors A and B have' ('have its predecessors A and B' with
    ``verb_first``), or for one 'its predecessor A has'."""
    many = len(codes) > 1
    named = f"its predecessor{'s' if many else ''} {_listed(codes)}"
    verb = "have" if many else "has"
    return f"{verb} {named}" if verb_first else f"{named} {verb}"


def _listed(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
