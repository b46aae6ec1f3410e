"""The projector: reads the store's notification log from the tracked position and turns
each record into rows of the views database, a page at a time, each page in one
transaction with the new position.

Money and reported figures become *postings*: one row per side of a record (a transfer
has two, ``from`` and ``to``) and per version of its value. A correction adds a version
known from its own ``as_at``; each version carries ``valid_to``, the known date of the
next version, so a view "as at D" keeps the versions with ``as_at <= D`` and no later
version known by D. ``delta_pence`` is the change a version makes to its side's value,
so an additive figure (an allocation) as at D is the sum of deltas known by D.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from ledger.store.settings import shown
from ledger.views.database import POSTING_COLUMNS, ViewsDatabase, ViewsError

if TYPE_CHECKING:
    from ledger.store.application import EventStore
    from ledger.store.reading import StoredRecord

PAGE_SIZE = 2000

_MEASURE_OF_KIND = {
    "allocation": "allocation",
    "transfer": "allocation",
    "plan": "plan",
    "forecast": "forecast",
    "drawdown": "drawdown",
}
MONEY_KINDS = ("allocation", "transfer", "plan", "forecast", "drawdown", "qipp", "figure")

Progress = Callable[[int, int], None]  # (events read so far, events in the store)


def catch_up(
    ledger: EventStore,
    views: ViewsDatabase,
    progress: Progress | None = None,
    page_size: int | None = None,
    until: int | None = None,
) -> int:
    """Apply every event after the tracked position (up to position ``until`` when given);
    return how many were read. An event that cannot be read or projected is left out of
    the views and noted in their ``unprojected`` table: a stored event never stops them."""
    _check_same_store(ledger, views)
    end = ledger.recorder.max_notification_id() or 0
    if until is not None:
        end = min(end, until)
    to_read = end - views.tracking.position
    read = 0
    while True:
        with views.writing():
            tracking = views.tracking
            limit = page_size or PAGE_SIZE
            if until is not None:
                limit = min(limit, until - tracking.position)
            if limit <= 0:
                return read
            last, records, unreadable = _read(ledger, views, tracking.position, limit)
            if last == tracking.position:
                return read
            _project(views, tracking.known_by, records)
            at_last = records[-1].fields["id"] if records and records[-1].position == last else None
            views.track(last, at_last)
        read += len(records) + unreadable
        if progress:
            progress(read, max(to_read, read))


def _read(
    ledger: EventStore, views: ViewsDatabase, after: int, limit: int
) -> tuple[int, list[StoredRecord], int]:
    """The next page of records, as ``records_after`` gives it, and how many events were
    left out of the views because they cannot be read."""
    unreadable: list[tuple[int, str]] = []
    last, records = ledger.records_after(after, limit, lambda *event: unreadable.append(event))
    for position, reason in unreadable:
        views.leave_out(position, None, reason)
    return last, records, len(unreadable)


# What a stored event can do wrong, as opposed to the views database or the machine (a
# locked or full disk, a corrupt file), which must stop the projector rather than be
# blamed on the event.
_EVENT_FAULTS = (
    LookupError, TypeError, ValueError, AttributeError, ArithmeticError, ViewsError,
    sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.DataError,
)  # fmt: skip


def _project(views: ViewsDatabase, known_by: str | None, records: list[StoredRecord]) -> None:
    """Write one page's rows; if the page fails, write its events one at a time and leave
    out each that fails, so one bad event costs only itself."""
    try:
        with views.savepoint():
            _Page(known_by, records).write(views)
    except _EVENT_FAULTS:
        for record in records:
            try:
                with views.savepoint():
                    _Page(known_by, [record]).write(views)
            except _EVENT_FAULTS as error:
                views.leave_out(record.position, str(record.fields["id"]), _fault(error))


def _fault(error: Exception) -> str:
    """Why an event could not be projected, for ``check`` to say."""
    if isinstance(error, KeyError):
        return f"it has no {error.args[0]!r} field"
    if isinstance(error, sqlite3.IntegrityError):
        return f"its rows break a rule of the views database ({error})"
    return str(error)


def _check_same_store(ledger: EventStore, views: ViewsDatabase) -> None:
    """A views database follows one store: the record at its position must be the one it
    saw. (When the event there cannot be read, there is nothing to compare: `check` finds
    the event, and whether the views still match the store.)"""
    tracking = views.tracking
    if tracking.position == 0:
        return
    unreadable: list[tuple[int, str]] = []
    _, found = ledger.records_after(
        tracking.position - 1, 1, lambda *event: unreadable.append(event)
    )
    seen = (tracking.position, tracking.record_id)
    if found and (found[0].position, found[0].fields["id"]) == seen:
        return
    if unreadable:
        return
    store = shown(ledger.store)  # a server's password is not repeated
    raise ViewsError(
        f"the views database {views.path} was built from another store than {store}; "
        f"run: ledger --store {store} --views {views.path} rebuild"
    )


def known_on(fields: dict[str, Any]) -> str:
    """The date a record became known (ISO text)."""
    return str(fields.get("as_at") or fields["published"])


def measure_of(fields: dict[str, Any]) -> str:
    kind = fields["kind"]
    if kind == "qipp":
        return f"qipp-{fields['measure']}"
    if kind == "figure":
        return str(fields["measure"])
    return _MEASURE_OF_KIND[kind]


class _Page:
    """The rows made from one page of records."""

    def __init__(self, known_by: str | None, records: list[StoredRecord]):
        self.known_by = known_by
        self.pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.postings: list[tuple[Any, ...]] = []
        self.corrections: list[tuple[dict[str, Any], int]] = []
        for record in records:
            self.apply(record.fields, record.position)
        self.days = Days()
        self.days.add_postings(self.postings)

    def apply(self, fields: dict[str, Any], position: int) -> None:
        if self.known_by is not None and known_on(fields) > self.known_by:
            return
        kind = fields["kind"]
        if kind in MONEY_KINDS:
            self.postings += posting_rows(fields, position)
            if kind == "figure":
                self._reconciliation_rows(fields, position)
        elif kind == "correction":
            self.corrections.append((fields, position))
        else:
            table, rows = _reference_rows(fields, position)
            self.pending[table] += rows

    def _reconciliation_rows(self, fields: dict[str, Any], position: int) -> None:
        components = fields.get("components", [])
        if not components and not fields.get("sum_of_members"):
            return
        self.pending["reconciled_figures"].append(
            {
                "figure_id": fields["id"],
                "rule": "components" if components else "members",
                "complete": 0 if fields.get("components_complete") is False else 1,
                "tolerance": fields.get("tolerance_pence", fields.get("tolerance_count")),
                "position": position,
            }
        )
        self.pending["figure_components"] += [
            {
                "figure_id": fields["id"],
                "component_id": component.removeprefix("-"),
                "sign": -1 if component.startswith("-") else 1,
                "position": position,
            }
            for component in components
        ]

    def write(self, views: ViewsDatabase) -> None:
        """Write the rows: new postings first, so the corrections find what they correct."""
        views.insert_postings(self.postings)
        for table, rows in self.pending.items():
            views.insert(table, rows)
        apply_corrections(views, self.corrections, self.days)
        views.add_allocation_days(self.days.totals)
        views.correct_left_out(
            [_correcting(fields, position) for fields, position in self.corrections]
        )


def _correcting(fields: dict[str, Any], position: int) -> tuple[str, str, str, bool]:
    """What a correction says of a record left out of the views: its id, the record's, its
    precedence (corrections apply by known date, then store position) and whether it
    reverses the record."""
    precedence = f"{fields['as_at']} {position:012d}"
    return fields["id"], fields["corrects"], precedence, fields["action"] == "reverse"


def posting_rows(fields: dict[str, Any], position: int) -> list[tuple[Any, ...]]:
    """The first version of a money record or reported figure: one row per side, in
    POSTING_COLUMNS order. Plain tuples made in one expression: a replay makes a million
    of these, and this is three times quicker than filling in a named tuple by name."""
    get, kind, measure = fields.get, fields["kind"], measure_of(fields)
    effective, as_at, amount = fields["effective"], fields["as_at"], get("amount_pence")
    precedence = f"{effective} {as_at} {position:012d}"
    if kind != "transfer":  # one side
        return [(
            fields["id"], kind, measure, fields["account"], get("against"), "",
            fields["financial_year"], get("period"), effective, precedence, 0, as_at, None,
            position, 0, get("unit", "gbp"), amount, amount, get("count"), get("percent"),
            get("deficit"), None, get("reason"), fields["source"], fields["locator"],
        )]  # fmt: skip
    giver, receiver, moved = fields["from"], fields["to"], int(fields["amount_pence"])
    common = (fields["financial_year"], get("period"), effective, precedence, 0, as_at, None,
              position, 0, "gbp")  # fmt: skip
    tail = (get("count"), get("percent"), get("deficit"), None, get("reason"),
            fields["source"], fields["locator"])  # fmt: skip
    return [
        (fields["id"], kind, measure, giver, receiver, "from", *common, -moved, -moved, *tail),
        (fields["id"], kind, measure, receiver, giver, "to", *common, moved, moved, *tail),
    ]  # fmt: skip


_MEASURE, _YEAR, _ACCOUNT, _EFFECTIVE, _AS_AT, _DELTA = map(
    POSTING_COLUMNS.index,
    ("measure", "financial_year", "account", "effective", "as_at", "delta_pence"),
)


class Version(NamedTuple):
    """What a correction needs of one version of one side of a record: enough to re-chain
    the side and count it towards its allocation day. A new version's other columns are
    the record's, copied from its first version by the INSERT that writes it."""

    posting_id: int | None  # None for a version a correction adds
    record_id: str
    side: str
    version: int
    as_at: str
    position: int
    is_void: int
    unit: str
    amount_pence: int | None
    valid_to: str | None
    delta_pence: int | None
    measure: str
    financial_year: str
    account: str
    effective: str
    correction: dict[str, Any] | None = None  # the correction that adds this version


_STORED_VERSION = ", ".join(Version._fields[:-1])
# The columns a correction sets on the version it adds; the rest are copied from version 0.
_SET_BY_CORRECTION = (
    "version", "as_at", "valid_to", "position", "is_void", "amount_pence", "delta_pence",
    "count", "percent", "correction_id", "reason", "source", "locator",
)  # fmt: skip
_INSERT_CORRECTED_VERSION = (
    f"INSERT INTO postings ({', '.join(POSTING_COLUMNS)}) SELECT "
    + ", ".join("?" if name in _SET_BY_CORRECTION else name for name in POSTING_COLUMNS)
    + " FROM postings WHERE record_id = ? AND side = ? AND version = 0"
)
# Where each column a correction sets goes among the statement's parameters.
_SET_IN_ORDER = tuple(name for name in POSTING_COLUMNS if name in _SET_BY_CORRECTION)


class Days:
    """Changes to allocation_days, summed in memory before they are written."""

    def __init__(self) -> None:
        self.totals: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])

    def add(self, version: Version, delta: int | None, versions: int) -> None:
        """Count a version that a correction adds or changes towards its day."""
        if version.measure == "allocation":
            key = (version.financial_year, version.account, version.effective, version.as_at)
            self._add(key, delta, versions)

    def add_postings(self, postings: list[tuple[Any, ...]]) -> None:
        """Count new postings (tuples in POSTING_COLUMNS order) towards their days."""
        for posting in postings:
            if posting[_MEASURE] == "allocation":
                key = (posting[_YEAR], posting[_ACCOUNT], posting[_EFFECTIVE], posting[_AS_AT])
                self._add(key, posting[_DELTA], 1)

    def _add(self, key: tuple[str, str, str, str], delta: int | None, versions: int) -> None:
        total = self.totals[key]
        total[0] += delta or 0
        total[1] += versions


def apply_corrections(
    views: ViewsDatabase, corrections: list[tuple[dict[str, Any], int]], days: Days
) -> None:
    """Add a version to each side of each corrected record, known from the correction's
    date, then re-chain every side touched in known-date order. A page's corrections are
    applied together: one query for the versions they correct, one write of the changes."""
    if not corrections:
        return
    chains = _versions_of([fields["corrects"] for fields, _ in corrections], views)
    for fields, position in corrections:
        for side in ("", "from", "to"):
            chain = chains.get((fields["corrects"], side))
            if chain:
                chain.append(_revised(chain, fields, position, side))
    updates, inserts = [], []
    for chain in chains.values():
        for version, (valid_to, delta) in zip(chain, _links(chain), strict=True):
            if version.correction is not None:
                inserts.append(_corrected_row(version, valid_to, delta))
                days.add(version, delta, 1)
            elif (version.valid_to, version.delta_pence) != (valid_to, delta):
                updates.append((valid_to, delta, version.posting_id))
                days.add(version, (delta or 0) - (version.delta_pence or 0), 0)
    views.conn.executemany(
        "UPDATE postings SET valid_to = ?, delta_pence = ? WHERE posting_id = ?", updates
    )
    views.conn.executemany(_INSERT_CORRECTED_VERSION, inserts)


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
            version = Version(*row)
            chains[(version.record_id, version.side)].append(version)
    return chains


def _revised(chain: list[Version], fields: dict[str, Any], position: int, side: str) -> Version:
    """The new version a correction makes of one side of a record."""
    return chain[0]._replace(
        posting_id=None,
        version=chain[-1].version + 1,
        as_at=fields["as_at"],
        position=position,
        is_void=1 if fields["action"] == "reverse" else 0,
        amount_pence=_signed(fields.get("amount_pence"), side),
        valid_to=None,
        delta_pence=None,
        correction=fields,
    )


def _corrected_row(version: Version, valid_to: str | None, delta: int | None) -> tuple[Any, ...]:
    """The parameters of _INSERT_CORRECTED_VERSION for a version a correction adds."""
    fields = version.correction
    assert fields is not None, "only a version a correction adds is inserted"
    values = {
        "version": version.version,
        "as_at": version.as_at,
        "valid_to": valid_to,
        "position": version.position,
        "is_void": version.is_void,
        "amount_pence": version.amount_pence,
        "delta_pence": delta,
        "count": fields.get("count"),
        "percent": fields.get("percent"),
        "correction_id": fields["id"],
        "reason": fields["reason"],
        "source": fields["source"],
        "locator": fields["locator"],
    }
    return (*(values[name] for name in _SET_IN_ORDER), version.record_id, version.side)


def _signed(amount: int | None, side: str) -> int | None:
    return -amount if amount is not None and side == "from" else amount


def _links(chain: list[Version]) -> list[tuple[str | None, int | None]]:
    """For each version of one record side, in the order given: when the next version
    became known (its valid_to) and the change it makes to the side's value (its delta),
    taking the versions in the order they became known, then in store order."""
    order = sorted(range(len(chain)), key=lambda i: (chain[i].as_at, chain[i].position))
    links: list[tuple[str | None, int | None]] = [(None, None)] * len(chain)
    previous_value = 0
    for rank, index in enumerate(order):
        version = chain[index]
        value = 0 if version.is_void else (version.amount_pence or 0)
        following = chain[order[rank + 1]].as_at if rank + 1 < len(order) else None
        delta = value - previous_value if version.unit == "gbp" else None
        links[index] = (following, delta)
        previous_value = value
    return links


def _reference_rows(fields: dict[str, Any], position: int) -> tuple[str, list[dict[str, Any]]]:
    """Rows for sources, organisations and the changes to them."""
    kind = fields["kind"]
    cited = {key: fields.get(key) for key in ("as_at", "source", "locator")} | {
        "position": position
    }
    keys: tuple[str, ...]
    if kind == "source":
        keys = ("id", "title", "publisher", "published", "dated_by", "covers", "licence",
                "attribution", "url")  # fmt: skip
        return "sources", [{key: fields.get(key) for key in keys} | {"position": position}]
    if kind == "organisation":
        keys = ("name", "type", "parent", "area_team", "region", "opened", "ons_code")
        return "organisations", [{"code": fields["id"]} | {k: fields.get(k) for k in keys} | cited]
    if kind == "closure":
        return "closures", [
            {"record_id": fields["id"], "organisation": fields["organisation"],
             "effective": fields["effective"], "reason": fields.get("reason")} | cited
        ]  # fmt: skip
    if kind == "merger":
        return "mergers", [
            {"record_id": fields["id"], "predecessor": code, "successor": fields["organisation"],
             "effective": fields["effective"], "reason": fields.get("reason")} | cited
            for code in fields["predecessors"]
        ]  # fmt: skip
    if kind == "baseline":
        keys = ("financial_year", "effective", "known", "description")
        return "baselines", [{"name": fields["id"]} | {k: fields[k] for k in keys} | cited]
    raise ViewsError(f"the projector does not know records of kind {kind!r}")
