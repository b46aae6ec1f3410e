"""The records users write: one pydantic model per kind, told apart by ``kind``.

A record is what one line of an import file holds, and what one event in the store
carries. Parsing normalises it: money becomes integer pence (``amount_pence``), years
and months take one spelling (``2013-14``, ``M6``), and a missing effective date is
filled in, so two spellings of the same fact compare equal.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from ledger.records import kinds
from ledger.records.base import RecordBase
from ledger.records.errata import ErratumRecord, fixed_fields
from ledger.records.reference import (
    BaselineRecord,
    ClosureRecord,
    MembershipRecord,
    MergerRecord,
    OrganisationRecord,
    SourceRecord,
    SplitRecord,
)
from ledger.records.yearly import (
    AllocationRecord,
    CorrectionRecord,
    DrawdownRecord,
    FigureRecord,
    ForecastRecord,
    PlanRecord,
    QippRecord,
    TransferRecord,
)

AnyRecord = (
    SourceRecord
    | OrganisationRecord
    | ClosureRecord
    | MergerRecord
    | SplitRecord
    | MembershipRecord
    | BaselineRecord
    | AllocationRecord
    | TransferRecord
    | PlanRecord
    | ForecastRecord
    | DrawdownRecord
    | QippRecord
    | FigureRecord
    | CorrectionRecord
    | ErratumRecord
)

MODELS: dict[str, type[RecordBase]] = {
    model.model_fields["kind"].default: model for model in AnyRecord.__args__
}
KINDS = tuple(MODELS)
assert KINDS == kinds.KINDS, "ledger.kinds lists the kinds of record in the models' order"


class RecordError(ValueError):
    """A record that does not validate; ``problems`` are readable one-line messages."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_record(data: object) -> AnyRecord:
    """Validate one record (a dict read from JSON) or raise RecordError."""
    if not isinstance(data, dict):
        raise RecordError([f"a record is a JSON object, got {_json_name(data)}"])
    kind = data.get("kind")
    if kind is None:
        raise RecordError(["kind is missing (one of: " + ", ".join(KINDS) + ")"])
    if not isinstance(kind, str) or kind not in MODELS:
        raise RecordError([f"unknown kind {kind!r} (one of: " + ", ".join(KINDS) + ")"])
    try:  # by the kind's own validator: the kind is known, and a union would ask again
        record: AnyRecord = MODELS[kind].__pydantic_validator__.validate_python(data)
    except ValidationError as error:
        problems = describe_validation_error(error)
        if _amount_also_missing(MODELS[kind], data) and "amount is missing" not in problems:
            problems.append("amount is missing")  # found only once the other fields pass
        raise RecordError(problems) from None
    return record


def _json_name(value: object) -> str:
    """What a JSON value that is not an object is, in JSON's words."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "a number"


def _amount_also_missing(model: type[RecordBase], data: dict[str, Any]) -> bool:
    needs_amount = getattr(model, "amount_rule", None) is not None
    return needs_amount and "amount" not in data and "amount_pence" not in data


def describe_validation_error(error: ValidationError) -> list[str]:
    """Turn pydantic's errors of one model into ``field: message`` lines."""
    problems = []
    for item in error.errors(include_url=False):
        location = [str(part) for part in item["loc"]]
        a_key = location[-1:] == ["[key]"]
        if a_key:  # an object's key: the field holding the object, not the key again
            location = location[:-2]
        field = ".".join(location)
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = f"{field} is missing"
        elif item["type"] == "extra_forbidden":
            message = f"unknown field {field!r}"
        elif item["type"] in _EMPTY_WHEN_BLANK and _blank(item["input"]):
            blank = "only space" if item["input"] else "empty"
            message = f"{field}: a name is {blank}" if a_key else f"{field} is {blank}"
        elif item["type"] == "too_short":
            wanted = item.get("ctx", {})
            given, least = wanted.get("actual_length"), wanted.get("min_length")
            message = f"{field}: {given} given, at least {least} needed"
        elif item["type"] == "string_pattern_mismatch":
            message = f"{field}: {item['input']!r} is not a valid code or id"
        elif field:
            message = f"{field}: {message}"
        problems.append(message)
    return problems


# A code, an id or a text that is refused for its length or its pattern is, if blank, not
# "too short" or "not a valid code": it is empty.
_EMPTY_WHEN_BLANK = frozenset({"string_pattern_mismatch", "string_too_short"})


def _blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


def fixed_record(target: dict[str, Any], erratum: dict[str, Any]) -> dict[str, Any] | None:
    """The record an erratum makes of its target (both as stored), read and normalised as
    any record is; None when it withdraws the record. RecordError if it is not a record."""
    fields = fixed_fields(target, erratum)
    return None if fields is None else parse_record(fields).normalised()


def fixed_by_all(
    target: dict[str, Any] | None, errata: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The record a list of errata makes of its target, applied in the order the ledger
    recorded them (by ``recorded``; a tie keeps the list's order); None once withdrawn."""
    fields = target
    for erratum in sorted(errata, key=lambda erratum: erratum["recorded"]):
        if fields is None:
            return None
        fields = fixed_record(fields, erratum)
    return fields
