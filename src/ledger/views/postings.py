"""The rows one stored record becomes in the views database. Money and reported figures
become postings: one row per side of the record (a transfer has two, ``from`` and ``to``),
its first version; corrections add later versions (see corrections). Sources,
organisations, their memberships, closures, mergers and splits (lineage) and baselines
become rows of their reference tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.records.kinds import measure_of
from ledger.views.errors import ViewsError
from ledger.views.tables import POSTING_COLUMNS

MONEY_KINDS = ("allocation", "transfer", "plan", "forecast", "drawdown", "qipp", "figure")


def known_on(fields: dict[str, Any]) -> str:
    """The date a record became known (ISO text)."""
    return str(fields.get("as_at") or fields["published"])


def posting_rows(fields: dict[str, Any], position: int) -> list[tuple[Any, ...]]:
    """The first version of a money record or reported figure: one row per side, in
    POSTING_COLUMNS order (what first_versions writes, with its empty columns filled)."""
    shape, rows = first_versions(fields, position)
    return [shape.in_table_order(row) for row in rows]


class Shape:
    """The columns a first version is written with: those every posting has, then the
    optional ones its record has (and a transfer's counterparty, the other side). A
    column a record leaves empty is not bound: sqlite3 of Python 3.11 binds a None some
    200 ns slower than a value, and a posting has about eight empty columns. Those that
    are the same in every first version are constants of the statement, and SQLite
    works out the precedence from three of the others."""

    def __init__(self, optional: tuple[str, ...], transfer: bool):
        self.optional, self.transfer = optional, transfer
        self.columns = (*FIRST_COLUMNS, *optional, *(("counterparty",) if transfer else ()))
        numbered = ", ".join(f"?{number}" for number in range(1, len(self.columns) + 1))
        self.statement = (
            f"INSERT INTO postings ({', '.join(self.columns)}, precedence, "
            f"{', '.join(_CONSTANT)}) "
            f"VALUES ({numbered}, {_PRECEDENCE_SQL}, {', '.join(_CONSTANT.values())})"
        )
        self.service_at = self.columns.index("service") if "service" in optional else None
        self.values_of = _getter(tuple(_OPTIONAL_FIELDS[column] for column in optional))
        self._at = {column: at for at, column in enumerate(self.columns)}

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its columns, and read back as this process's shape of them (its
        getter is a closure, which pickle cannot carry)."""
        return (shape_with, (self.optional, self.transfer))

    def in_table_order(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """A row of this shape as a whole posting, in POSTING_COLUMNS order."""
        at = self._at
        ordering = (values[at[name]] for name in ("effective", "as_at", "position"))
        made = _CONSTANT_VALUES | {"precedence": precedence(*ordering)}
        return tuple(
            values[at[column]] if column in at else made.get(column) for column in POSTING_COLUMNS
        )


# The columns every first version is written with, in this order: Days and the like find
# them at the same place in every shape.
FIRST_COLUMNS = (
    "record_id", "kind", "measure", "account", "side", "financial_year", "effective",
    "as_at", "position", "unit", "amount_pence", "delta_pence", "source", "locator",
)  # fmt: skip


def precedence(effective: Any, as_at: Any, position: int) -> str:
    """The order of figures that supersede one another: by effective date, then known
    date, then store position (a correction's versions keep their record's)."""
    return f"{'' if effective is None else effective} {as_at} {position:012d}"


# The same, worked out by SQLite as a first version is inserted: the worker that makes a
# build's pages then neither formats nor pickles it, some 9% of its work at 1M events.
_PRECEDENCE_SQL = "printf('%s %s %012d', {}, {}, {})".format(
    *(f"?{FIRST_COLUMNS.index(name) + 1}" for name in ("effective", "as_at", "position"))
)
# The same in every first version (no later version, no correction: valid_to and
# correction_id are left NULL; the earliest known, until a correction known before it).
_CONSTANT_VALUES = {"version": 0, "is_void": 0, "is_earliest": 1}
_CONSTANT = {column: str(value) for column, value in _CONSTANT_VALUES.items()}
# The optional columns, and the field of a record each is read from.
_OPTIONAL_FIELDS = {
    "counterparty": "against", "period": "period", "count": "count", "percent": "percent",
    "deficit": "deficit", "reason": "reason", "service": "service", "step": "step",
}  # fmt: skip
# Shapes by (transfer?, the record's field names): a page's records have a handful.
_SHAPES: dict[tuple[bool, tuple[str, ...]], Shape] = {}
_SAME_COLUMNS: dict[tuple[tuple[str, ...], bool], Shape] = {}  # one shape for the same columns
_MOST_SHAPES = 4096  # a hand-edited store could have any number of sets of field names


# One object for each text that many postings repeat (a kind, an account, a year, a date,
# a source): a page made by a worker is pickled, and pickle writes an object it has
# written before as a reference to it, which is also quicker to read back. A million
# events' pages took 147 MB rather than 199, and their rebuild about 1 s less.
_SAME: dict[str, str] = {}
_MOST_SAME = 100_000  # a hand-edited store could have any number of different values


def _same(value: Any) -> Any:
    """The one object kept for this text (any other value as it is)."""
    return _SAME.setdefault(value, value) if type(value) is str else value


def first_versions(fields: dict[str, Any], position: int) -> tuple[Shape, list[tuple[Any, ...]]]:
    """The first version of a money record or reported figure, one row per side (a
    transfer has two), and the shape they are written in. Plain tuples made in one
    expression each: a replay makes a million of these."""
    if len(_SAME) > _MOST_SAME:
        _SAME.clear()
    kind, effective = _same(fields["kind"]), _same(fields["effective"])
    as_at = _same(fields["as_at"])
    measure, transfer = measure_of(fields), kind == "transfer"
    shape = _SHAPES.get((transfer, tuple(fields))) or _shape_of(fields, transfer)
    if not transfer:
        amount = fields.get("amount_pence")
        return shape, [(
            fields["id"], kind, measure, _same(fields["account"]), "",
            _same(fields["financial_year"]), effective, as_at, position,
            _same(fields.get("unit", "gbp")), amount, amount, _same(fields["source"]),
            fields["locator"], *shape.values_of(fields),
        )]  # fmt: skip
    giver, receiver = _same(fields["from"]), _same(fields["to"])
    moved = int(fields["amount_pence"])
    common = (_same(fields["financial_year"]), effective, as_at, position, "gbp")
    tail = (_same(fields["source"]), fields["locator"], *shape.values_of(fields))
    return shape, [
        (fields["id"], kind, measure, giver, "from", *common, -moved, -moved, *tail, receiver),
        (fields["id"], kind, measure, receiver, "to", *common, moved, moved, *tail, giver),
    ]  # fmt: skip


def _shape_of(fields: dict[str, Any], transfer: bool) -> Shape:
    """The shape of records with these field names, made once for each set of them. (A
    field stored as null is then bound as NULL: as correct, only slower.)"""
    optional = tuple(
        column for column, field in _OPTIONAL_FIELDS.items()
        if field in fields and not (transfer and column == "counterparty")
    )  # fmt: skip
    if len(_SHAPES) >= _MOST_SHAPES:
        _SHAPES.clear()
    shape = _SHAPES[(transfer, tuple(fields))] = shape_with(optional, transfer)
    return shape


def shape_with(optional: tuple[str, ...], transfer: bool) -> Shape:
    """The one shape of these optional columns, made the first time it is asked for."""
    shape = _SAME_COLUMNS.get((optional, transfer))
    if shape is None:
        shape = _SAME_COLUMNS[(optional, transfer)] = Shape(optional, transfer)
    return shape


def _getter(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function from a record's fields to the values of these names, as a tuple."""
    if not names:
        return lambda fields: ()
    if len(names) == 1:
        name = names[0]
        return lambda fields: (fields.get(name),)
    return lambda fields: tuple(map(fields.get, names))


def reference_rows(fields: dict[str, Any], position: int) -> list[tuple[str, dict[str, Any]]]:
    """(table, row) pairs for sources, organisations and the changes to them. An
    organisation's own parents are its first membership; mergers and splits are lineage:
    one row per predecessor and successor, with the successor's share of the weights."""
    kind = fields["kind"]
    cited = {key: fields.get(key) for key in ("as_at", "source", "locator")} | {
        "position": position
    }
    keys: tuple[str, ...]
    if kind == "source":
        keys = ("id", "title", "publisher", "published", "dated_by", "covers", "licence",
                "attribution", "url")  # fmt: skip
        return [("sources", {key: fields.get(key) for key in keys} | {"position": position})]
    if kind == "organisation":
        keys = ("name", "type", "parent", "area_team", "region", "opened", "ons_code")
        organisation = {"code": fields["id"]} | {k: fields.get(k) for k in keys} | cited
        return [("organisations", organisation), *_own_membership(fields, cited)]
    if kind == "membership":
        return [("memberships", {
            "record_id": fields["id"], "organisation": fields["organisation"],
            "area_team": fields.get("area_team"), "region": fields.get("region"),
            "name": fields.get("name"), "effective": fields["effective"]} | cited)]  # fmt: skip
    if kind == "closure":
        return [("closures", {
            "record_id": fields["id"], "organisation": fields["organisation"],
            "effective": fields["effective"], "reason": fields.get("reason")} | cited)]  # fmt: skip
    if kind == "merger":
        shares = [(code, fields["organisation"], 0, 1, 1) for code in fields["predecessors"]]
        return _lineage_rows(fields, cited, shares, basis=None)
    if kind == "split":
        total = sum(int(share["weight"]) for share in fields["successors"])
        shares, before = [], 0
        for share in fields["successors"]:
            weight = int(share["weight"])
            shares.append((fields["organisation"], share["organisation"], before, weight, total))
            before += weight
        return _lineage_rows(fields, cited, shares, basis=fields["basis"])
    if kind == "baseline":
        keys = ("financial_year", "effective", "known", "description")
        return [("baselines", {"name": fields["id"]} | {k: fields[k] for k in keys} | cited)]
    raise ViewsError(f"the projector does not know records of kind {kind!r}")


def _own_membership(fields: dict[str, Any], cited: dict[str, Any]) -> list[tuple[str, Any]]:
    """The parents an organisation is registered with, from the day it opened (or, if
    that is not recorded, the day it became known)."""
    if fields.get("area_team") is None and fields.get("region") is None:
        return []
    return [("memberships", {
        "record_id": fields["id"], "organisation": fields["id"],
        "area_team": fields.get("area_team"), "region": fields.get("region"),
        "name": fields["name"], "effective": fields.get("opened") or fields["as_at"]}
        | cited)]  # fmt: skip


def _lineage_rows(
    fields: dict[str, Any],
    cited: dict[str, Any],
    shares: list[tuple[str, str, int, int, int]],
    basis: str | None,
) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("lineage", {
            "record_id": fields["id"], "kind": fields["kind"], "predecessor": predecessor,
            "successor": successor, "effective": fields["effective"],
            "weight_before": before, "weight": weight, "weight_total": total,
            "basis": basis, "reason": fields.get("reason")} | cited)
        for predecessor, successor, before, weight, total in shares
    ]  # fmt: skip
