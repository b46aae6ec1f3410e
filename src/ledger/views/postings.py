"""The rows one stored record becomes in the views database. Money and reported figures
become postings: one row per side of the record (a transfer has two, ``from`` and ``to``),
its first version; corrections add later versions (see corrections). Sources,
organisations, their memberships, closures, mergers and splits (lineage) and baselines
become rows of their reference tables.
"""

from __future__ import annotations

from typing import Any

from ledger.views.errors import ViewsError

_MEASURE_OF_KIND = {
    "allocation": "allocation",
    "transfer": "allocation",
    "plan": "plan",
    "forecast": "forecast",
    "drawdown": "drawdown",
}
MONEY_KINDS = ("allocation", "transfer", "plan", "forecast", "drawdown", "qipp", "figure")


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
            get("service"), get("step"),
        )]  # fmt: skip
    giver, receiver, moved = fields["from"], fields["to"], int(fields["amount_pence"])
    common = (fields["financial_year"], get("period"), effective, precedence, 0, as_at, None,
              position, 0, "gbp")  # fmt: skip
    tail = (get("count"), get("percent"), get("deficit"), None, get("reason"),
            fields["source"], fields["locator"], get("service"), get("step"))  # fmt: skip
    return [
        (fields["id"], kind, measure, giver, receiver, "from", *common, -moved, -moved, *tail),
        (fields["id"], kind, measure, receiver, giver, "to", *common, moved, moved, *tail),
    ]  # fmt: skip


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
