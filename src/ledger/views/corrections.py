"""Corrections in the views: each adds a version to every side of the record it corrects,
known from its own ``as_at``. Each version carries ``valid_to``, the known date of the
next version, ``delta_pence``, the change it makes to its side's value, and
``is_earliest``, whether it is the version known first, so the versions of a side are
chained again in known-date order whenever one is added; and the allocation_days totals
follow the changes (Days).
"""

from __future__ import annotations

from collections import defaultdict
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from ledger.views.database import ViewsDatabase
from ledger.views.known_years import KnownYears
from ledger.views.postings import FIRST_COLUMNS, Shape
from ledger.views.tables import POSTING_COLUMNS

_FIRST_MEASURE, _FIRST_YEAR, _FIRST_ACCOUNT, _FIRST_EFFECTIVE, _FIRST_AS_AT, _FIRST_DELTA = map(
    FIRST_COLUMNS.index,
    ("measure", "financial_year", "account", "effective", "as_at", "delta_pence"),
)


class Version(NamedTuple):
    """What a correction needs of one version of one side of a record: enough to re-chain
    the side, count it towards its allocation day, and write a new version, whose other
    columns are the record's, copied from its first version."""

    posting_id: int | None  # None for a version a correction adds
    record_id: str
    side: str
    version: int
    as_at: str
    position: int
    is_void: int
    is_earliest: int
    unit: str
    amount_pence: int | None
    valid_to: str | None
    delta_pence: int | None
    measure: str
    financial_year: str
    account: str
    effective: str
    service: str | None
    kind: str
    counterparty: str | None
    period: str | None
    precedence: str
    deficit: str | None
    step: str | None
    correction: dict[str, Any] | None = None  # the correction that adds this version


_read_version = Version._make  # a Version of its values in order (a row of _STORED_VERSION)
Link = tuple[str | None, int | None, int]  # a version's valid_to, delta_pence, is_earliest

# A version as read: its stored columns, then no correction (a row made a Version as it is).
_STORED_VERSION = ", ".join(Version._fields[:-1]) + ", NULL"
# The record's own fields of a version (its measure to its step), which every version of
# one side of a record shares.
_record_fields = itemgetter(
    slice(Version._fields.index("measure"), Version._fields.index("correction"))
)
# The columns a correction sets on the version it adds; the rest are copied from version 0.
_SET_BY_CORRECTION = (
    "version", "as_at", "valid_to", "position", "is_void", "is_earliest", "amount_pence",
    "delta_pence", "count", "percent", "correction_id", "reason", "source", "locator",
)  # fmt: skip
_SET_IN_ORDER = tuple(name for name in POSTING_COLUMNS if name in _SET_BY_CORRECTION)
assert _SET_IN_ORDER == _SET_BY_CORRECTION, "_corrected_row gives them in the table's order"
_COPIED = tuple(name for name in POSTING_COLUMNS if name not in _SET_BY_CORRECTION)
# A new version's parameters are the columns a correction sets, in table order, then the
# record's: numbered, so that a value that cannot be written is named by its place among
# the correction's values, as when the record's columns were copied by INSERT ... SELECT.
_PARAMETERS = (*_SET_IN_ORDER, *_COPIED)
_copied_values = attrgetter(*_COPIED)
_INSERT_CORRECTED_VERSION = (
    f"INSERT INTO postings ({', '.join(POSTING_COLUMNS)}) VALUES ("
    + ", ".join(f"?{_PARAMETERS.index(name) + 1}" for name in POSTING_COLUMNS)
    + ")"
)


def _no_change() -> list[int]:
    """A day's change and count of versions before any is added (a named function, not
    a lambda, so that Days can be pickled: a build makes pages in another process)."""
    return [0, 0]


class Days:
    """Changes to allocation_days, summed in memory before they are written."""

    def __init__(self) -> None:
        self.totals: dict[tuple[str, ...], list[int]] = defaultdict(_no_change)

    def add(self, version: Version, delta: int | None, versions: int) -> None:
        """Count a version that a correction adds or changes towards its day."""
        if version.measure == "allocation":
            key = (version.financial_year, version.account, version.service or "",
                   version.effective, version.as_at)  # fmt: skip
            self._add(key, delta, versions)

    def add_postings(self, shape: Shape, postings: list[tuple[Any, ...]]) -> None:
        """Count new postings (first versions of one shape) towards their days."""
        service = shape.service_at
        for posting in postings:
            if posting[_FIRST_MEASURE] == "allocation":
                key = (posting[_FIRST_YEAR], posting[_FIRST_ACCOUNT],
                       (posting[service] or "") if service is not None else "",
                       posting[_FIRST_EFFECTIVE], posting[_FIRST_AS_AT])  # fmt: skip
                self._add(key, posting[_FIRST_DELTA], 1)

    def add_days(self, other: Days) -> None:
        """Count another's changes too."""
        for key, (delta, versions) in other.totals.items():
            self._add(key, delta, versions)

    def _add(self, key: tuple[str, ...], delta: int | None, versions: int) -> None:
        total = self.totals[key]
        total[0] += delta or 0
        total[1] += versions


def apply_corrections(
    views: ViewsDatabase, corrections: list[tuple[dict[str, Any], int]], days: Days
) -> None:
    """Add a version to each side of each corrected record, known from the correction's
    date, then re-chain every side touched in known-date order. Corrections given together
    (a page's, or a whole build's) are applied together: one read of the versions they
    correct, one write of the changes; given in store order, they number the versions
    as they would one at a time. A correction corrects only a record stored before it."""
    if not corrections:
        return
    chains = _versions_of([fields["corrects"] for fields, _ in corrections], views)
    for fields, position in corrections:
        for side in ("", "from", "to"):
            chain = chains.get((fields["corrects"], side))
            if chain and chain[0].position < position:
                chain.append(_revised(chain, fields, position, side))
    updates, inserts, known_years = [], [], KnownYears()
    for chain in chains.values():
        for version, link in zip(chain, _links(chain), strict=True):
            _, delta, _ = link
            if version.correction is not None:
                inserts.append(_corrected_row(version, link))
                days.add(version, delta, 1)
                known_years.add(
                    version.kind, version.measure, version.financial_year, version.as_at
                )
            elif (version.valid_to, version.delta_pence, version.is_earliest) != link:
                updates.append((*link, version.posting_id))
                days.add(version, (delta or 0) - (version.delta_pence or 0), 0)
    views.conn.executemany(
        "UPDATE postings SET valid_to = ?, delta_pence = ?, is_earliest = ? WHERE posting_id = ?",
        updates,
    )
    views.conn.executemany(_INSERT_CORRECTED_VERSION, inserts)
    views.add_known_years(known_years.first)


def _versions_of(
    record_ids: list[str], views: ViewsDatabase
) -> dict[tuple[str, str], list[Version]]:
    """The stored versions of these records, by (record, side), oldest version first."""
    chains: dict[tuple[str, str], list[Version]] = defaultdict(list)
    distinct = list(dict.fromkeys(record_ids))
    for start in range(0, len(distinct), 500):
        chunk = distinct[start : start + 500]
        rows = views.conn.execute(
            f"SELECT {_STORED_VERSION} FROM postings "
            f"WHERE record_id IN ({', '.join('?' * len(chunk))}) ORDER BY record_id, side, version",
            chunk,
        )
        for row in rows:
            version = _read_version(row)
            chains[(version.record_id, version.side)].append(version)
    return chains


def _revised(chain: list[Version], fields: dict[str, Any], position: int, side: str) -> Version:
    """The new version a correction makes of one side of a record. (Made field by field,
    not with ``_replace``, which took a tenth of a correction's time.)"""
    first = chain[0]
    return _read_version(
        (
            None,  # posting_id: not written yet
            first.record_id,
            first.side,
            chain[-1].version + 1,
            fields["as_at"],
            position,
            1 if fields["action"] == "reverse" else 0,
            first.is_earliest,
            first.unit,
            _signed(fields.get("amount_pence"), side),
            None,  # valid_to and delta_pence: set when the side is chained again
            None,
            *_record_fields(first),
            fields,
        )
    )


def _corrected_row(version: Version, link: Link) -> tuple[Any, ...]:
    """The parameters of _INSERT_CORRECTED_VERSION for a version a correction adds."""
    fields = version.correction
    assert fields is not None, "only a version a correction adds is inserted"
    valid_to, delta, earliest = link
    return (
        version.version, version.as_at, valid_to, version.position, version.is_void, earliest,
        version.amount_pence, delta, fields.get("count"), fields.get("percent"), fields["id"],
        fields["reason"], fields["source"], fields["locator"], *_copied_values(version),
    )  # fmt: skip


def _signed(amount: int | None, side: str) -> int | None:
    return -amount if amount is not None and side == "from" else amount


def _links(chain: list[Version]) -> list[Link]:
    """For each version of one record side, in the order given: when the next version
    became known (its valid_to), the change it makes to the side's value (its delta) and
    whether it is the one known first, taking the versions in the order they became
    known, then in store order."""
    known = [(version.as_at, version.position) for version in chain]
    order = sorted(range(len(chain)), key=known.__getitem__)
    links: list[Link] = [(None, None, 0)] * len(chain)
    previous_value = 0
    for rank, index in enumerate(order):
        version = chain[index]
        value = 0 if version.is_void else (version.amount_pence or 0)
        following = chain[order[rank + 1]].as_at if rank + 1 < len(order) else None
        delta = value - previous_value if version.unit == "gbp" else None
        links[index] = (following, delta, 1 if rank == 0 else 0)
        previous_value = value
    return links
