"""The records users write: one pydantic model per kind, told apart by ``kind``.

A record is what one line of an import file holds, and what one event in the store
carries. Parsing normalises it: money becomes integer pence (``amount_pence``), years
and months take one spelling (``2013-14``, ``M6``), and a missing effective date is
filled in, so two spellings of the same fact compare equal.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from ledger.records import kinds
from ledger.records.characters import unsafe_character
from ledger.records.money import format_pounds, parse_pence, parse_percent, parse_pounds
from ledger.records.periods import (
    first_day,
    last_day,
    parse_date,
    parse_financial_year,
    parse_period,
    period_end,
)


def _iso_date(value: object) -> date:
    """Dates are written as ISO text (2013-09-30); numbers are not dates."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a date is written like 2013-09-30, got {value!r}")
    return parse_date(value)


# No NHS count comes near a trillion; the bound keeps sums of counts in 64-bit integers.
LARGEST_COUNT = 10**12


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a count is a whole number of zero or more, got {value!r}")
    if value > LARGEST_COUNT:
        raise ValueError(f"{value} is more than any count (at most {LARGEST_COUNT:,})")
    return value


RecordId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/+-]{0,199}$"),
]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
]
Slug = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# A component of a reported figure: a record id, with a leading minus to subtract it.
Component = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^-?[A-Za-z0-9][A-Za-z0-9_.:/+-]{0,199}$"),
]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
FinancialYear = Annotated[str, BeforeValidator(parse_financial_year)]
Period = Annotated[str, BeforeValidator(parse_period)]
Pounds = Annotated[int, BeforeValidator(parse_pounds)]
Pence = Annotated[int, BeforeValidator(parse_pence)]
Percent = Annotated[str, BeforeValidator(parse_percent)]
Count = Annotated[int, BeforeValidator(_count)]

OrganisationType = Literal["ccg", "area-team", "region", "commissioner", "budget", "sector"]

# The order of fields in stored and exported records: what it is, about whom, when, how
# much, then where it came from.
FIELD_ORDER = (
    "id",
    "kind",
    "account",
    "from",
    "to",
    "organisation",
    "corrects",
    "action",
    "financial_year",
    "period",
    "effective",
    "measure",
    "unit",
    "amount_pence",
    "count",
    "percent",
)

# Kinds whose value can be a component of a reported figure (a transfer has two sides).
COMPONENT_KINDS = ("allocation", "plan", "forecast", "drawdown", "qipp", "figure")

CORRECTABLE_KINDS = ("allocation", "transfer", "plan", "forecast", "drawdown", "qipp", "figure")


# A record may be about dates ahead of when it became known (allocations are set years
# ahead), but not beyond the end of this many years after.
YEARS_AHEAD = 10


def _not_in_future(name: str, value: date | None) -> None:
    if value is not None and value > date.today():
        raise ValueError(f"{name} {value} is in the future")


def amount_problem(rule: str | None, pence: int | None) -> str | None:
    """What is wrong with an amount under a kind's rule (None when nothing is)."""
    if rule is None:
        return None
    if pence is None:
        return "amount is missing"
    if rule == "positive" and pence <= 0:
        return f"amount must be more than zero, got {format_pounds(pence)}"
    if rule == "nonzero" and pence == 0:
        return "amount must not be zero"
    if rule == "not-negative" and pence < 0:
        return f"amount must not be negative, got {format_pounds(pence)}"
    return None


@functools.cache
def _key_order(model: type[BaseModel]) -> tuple[str, ...]:
    """The model's output keys in FIELD_ORDER, then the rest as declared."""
    keys = [info.alias or name for name, info in model.model_fields.items()]
    return tuple(
        sorted(
            keys, key=lambda key: FIELD_ORDER.index(key) if key in FIELD_ORDER else len(FIELD_ORDER)
        )
    )


class RecordBase(BaseModel):
    """Fields every record has."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: RecordId = Field(description="stable id of this record, unique in the ledger")
    kind: str

    @model_validator(mode="before")
    @classmethod
    def _printable(cls, data: Any) -> Any:
        """Text that would break a line or a table, or drive a terminal, is refused in
        every field, as written (before any surrounding space is stripped)."""
        for field, value in data.items() if isinstance(data, dict) else ():
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str) and (problem := unsafe_character(text)):
                    raise ValueError(f"{field}: {problem}")
        return data

    def known_on(self) -> date:
        """The date this fact became known (the 'as at' axis)."""
        raise NotImplementedError

    def normalised(self) -> dict[str, Any]:
        """The record as stored and exported: JSON types, one spelling per value, and the
        fields in FIELD_ORDER (what it is, about whom, when, how much, then the source)."""
        fields = self.model_dump(
            mode="json", by_alias=True, exclude_none=True, exclude={"amount", "tolerance"}
        )
        return {
            key: fields[key]
            for key in _key_order(type(self))
            if key in fields and fields[key] != []
        }

    def organisation_references(self) -> list[tuple[str, str]]:
        """(field, code) pairs naming organisations that must be registered."""
        return []


class SourceRecord(RecordBase):
    """A document the ledger cites: its id is the document id other records name."""

    kind: Literal["source"] = "source"
    title: Text = Field(description="what the document is, in our words")
    publisher: Text
    published: IsoDate = Field(description="when it was published (approximate if inferred)")
    dated_by: Text = Field(description="how the publication date was found or inferred")
    covers: Text = Field(description="the period the document describes")
    licence: Text | None = None
    attribution: Text | None = None
    url: Text | None = None

    def known_on(self) -> date:
        return self.published

    @model_validator(mode="after")
    def _published_by_now(self) -> SourceRecord:
        _not_in_future("published", self.published)
        return self


class CitedRecord(RecordBase):
    """A fact with a known date and a source locator."""

    as_at: IsoDate = Field(description="when the fact became known or was decided")
    source: RecordId = Field(description="id of the source document (a source record)")
    locator: Text = Field(description="where in the source: paragraph, table or row")
    reason: Text | None = Field(default=None, description="why, in a few words")

    def known_on(self) -> date:
        return self.as_at

    def dates_about(self) -> dict[str, date | None]:
        """The dates the record is about, which may lie ahead of when it became known."""
        return {}

    @model_validator(mode="after")
    def _known_by_now(self) -> CitedRecord:
        _not_in_future("as_at", self.as_at)
        self._within_reach()
        return self

    def _within_reach(self) -> None:
        latest = date(self.as_at.year + YEARS_AHEAD, 12, 31)
        for name, value in self.dates_about().items():
            if value is not None and value > latest:
                raise ValueError(
                    f"{name} {value} is more than {YEARS_AHEAD} years after the record "
                    f"was known (as_at {self.as_at})"
                )


class OrganisationRecord(CitedRecord):
    """An organisation, budget or sector aggregate; its id is its code (ODS code or slug)."""

    kind: Literal["organisation"] = "organisation"
    id: Code = Field(description="the organisation's code, e.g. 06H")
    name: Text
    type: OrganisationType
    parent: Code | None = Field(default=None, description="aggregate its figures roll up into")
    area_team: Code | None = None
    region: Code | None = None
    opened: IsoDate | None = Field(default=None, description="first day it existed")
    ons_code: Code | None = None

    def dates_about(self) -> dict[str, date | None]:
        return {"opened": self.opened}

    def organisation_references(self) -> list[tuple[str, str]]:
        fields = (("parent", self.parent), ("area_team", self.area_team), ("region", self.region))
        return [(name, code) for name, code in fields if code is not None]


class ClosureRecord(CitedRecord):
    """An organisation ceased to exist after ``effective``."""

    kind: Literal["closure"] = "closure"
    organisation: Code
    effective: IsoDate = Field(description="last day the organisation existed")

    def dates_about(self) -> dict[str, date | None]:
        return {"effective": self.effective}

    def organisation_references(self) -> list[tuple[str, str]]:
        return [("organisation", self.organisation)]


class MergerRecord(CitedRecord):
    """Predecessor organisations were merged into ``organisation`` from ``effective``."""

    kind: Literal["merger"] = "merger"
    organisation: Code = Field(description="the organisation formed by the merger")
    predecessors: list[Code] = Field(min_length=1)
    effective: IsoDate = Field(description="first day of the merged organisation")

    def dates_about(self) -> dict[str, date | None]:
        return {"effective": self.effective}

    @model_validator(mode="after")
    def _distinct_predecessors(self) -> MergerRecord:
        if len(set(self.predecessors)) != len(self.predecessors):
            raise ValueError("predecessors name the same organisation twice")
        if self.organisation in self.predecessors:
            raise ValueError(f"{self.organisation} cannot be merged into itself")
        return self

    def organisation_references(self) -> list[tuple[str, str]]:
        return [("organisation", self.organisation)] + [
            ("predecessors", code) for code in self.predecessors
        ]


class BaselineRecord(CitedRecord):
    """A named point in time to compare against: figures effective by ``effective`` and
    known by ``known``; its id is the name, e.g. september-2013."""

    kind: Literal["baseline"] = "baseline"
    id: Slug = Field(description="the baseline's name, e.g. september-2013")
    financial_year: FinancialYear
    effective: IsoDate = Field(description="figures about dates up to this one count")
    known: IsoDate = Field(description="figures known by this date count")
    description: Text

    def dates_about(self) -> dict[str, date | None]:
        return {"effective": self.effective}

    @model_validator(mode="after")
    def _effective_in_year(self) -> BaselineRecord:
        _not_in_future("known", self.known)
        if not first_day(self.financial_year) <= self.effective <= last_day(self.financial_year):
            raise ValueError(
                f"effective date {self.effective} is outside financial year {self.financial_year}"
            )
        return self


class YearRecord(CitedRecord):
    """A money fact about one financial year (and optionally one month of it)."""

    financial_year: FinancialYear = Field(description="e.g. 2013-14")
    period: Period | None = Field(default=None, description="month M1-M12 the figure is at")
    effective: IsoDate | None = Field(
        default=None, description="date the figure is about (default: period end or 1 April)"
    )
    amount: Pounds | None = Field(default=None, description="amount in pounds, e.g. £8.6m")
    amount_pence: Pence | None = Field(default=None, description="amount in integer pence")

    # How the amount may be signed; None means the kind carries no amount of its own.
    amount_rule: ClassVar[str | None] = "any"
    # A figure about month Mn cannot be known before that month has ended.
    known_after_period: ClassVar[bool] = False

    @model_validator(mode="after")
    def _normalise_year_fields(self) -> YearRecord:
        self._merge_amount()
        self._check_amount()
        if self.effective is None:
            self.effective = (
                period_end(self.financial_year, self.period)
                if self.period
                else first_day(self.financial_year)
            )
        if not first_day(self.financial_year) <= self.effective <= last_day(self.financial_year):
            raise ValueError(
                f"effective date {self.effective} is outside financial year {self.financial_year}"
            )
        if self.known_after_period and self.period is not None:
            month_end = period_end(self.financial_year, self.period)
            if self.as_at < month_end:
                raise ValueError(
                    f"a {self.kind} at {self.period} of {self.financial_year} cannot be "
                    f"known on {self.as_at}, before the month ended on {month_end}"
                )
        self._within_reach()  # now that the effective date is filled in
        return self

    def dates_about(self) -> dict[str, date | None]:
        return {"effective": self.effective}

    def _merge_amount(self) -> None:
        if self.amount is not None:
            if self.amount_pence is not None:
                raise ValueError("give amount or amount_pence, not both")
            self.amount_pence = self.amount
            self.amount = None

    def _check_amount(self) -> None:
        problem = amount_problem(self.amount_rule, self.amount_pence)
        if problem:
            raise ValueError(problem)


class AccountRecord(YearRecord):
    """A money fact about one organisation's year."""

    account: Code = Field(description="code of the organisation or budget")

    def organisation_references(self) -> list[tuple[str, str]]:
        return [("account", self.account)]


class AllocationRecord(AccountRecord):
    """Money an organisation may spend in the year (an in-year adjustment may be negative)."""

    kind: Literal["allocation"] = "allocation"
    amount_rule: ClassVar[str | None] = "nonzero"


class TransferRecord(YearRecord):
    """Allocation moved from one organisation to another: one event, both sides, one amount."""

    kind: Literal["transfer"] = "transfer"
    from_account: Code = Field(alias="from", description="organisation giving the allocation")
    to_account: Code = Field(alias="to", description="organisation receiving it")
    amount_rule: ClassVar[str | None] = "positive"

    @model_validator(mode="after")
    def _not_to_itself(self) -> TransferRecord:
        if self.from_account == self.to_account:
            raise ValueError(f"a transfer from {self.from_account} to itself moves nothing")
        return self

    def organisation_references(self) -> list[tuple[str, str]]:
        return [("from", self.from_account), ("to", self.to_account)]


class PlanRecord(AccountRecord):
    """The surplus (+) or deficit (-) planned for the year; a later plan supersedes."""

    kind: Literal["plan"] = "plan"


class ForecastRecord(AccountRecord):
    """The expected year-end surplus (+) or deficit (-) at a month; a revision supersedes."""

    kind: Literal["forecast"] = "forecast"
    period: Period = Field(description="month M1-M12 of the forecast")
    deficit: Literal["planned", "unplanned"] | None = Field(
        default=None, description="whether the source says a forecast deficit was planned"
    )
    known_after_period: ClassVar[bool] = True

    @model_validator(mode="after")
    def _deficit_only_for_deficits(self) -> ForecastRecord:
        if self.deficit is not None and (self.amount_pence or 0) >= 0:
            raise ValueError("deficit (planned or unplanned) is said only of a forecast deficit")
        return self


class DrawdownRecord(AccountRecord):
    """Use of surplus built up in earlier years, optionally set against another budget."""

    kind: Literal["drawdown"] = "drawdown"
    against: Code | None = Field(default=None, description="budget the drawdown offsets")
    amount_rule: ClassVar[str | None] = "positive"

    def organisation_references(self) -> list[tuple[str, str]]:
        refs = super().organisation_references()
        return refs + ([("against", self.against)] if self.against else [])


class QippRecord(AccountRecord):
    """The savings programme: the plan, or the forecast shortfall against it."""

    kind: Literal["qipp"] = "qipp"
    measure: Literal["plan", "shortfall"]
    amount_rule: ClassVar[str | None] = "not-negative"
    known_after_period: ClassVar[bool] = True


class FigureRecord(AccountRecord):
    """A published total, count or percentage, kept to reconcile with its parts."""

    kind: Literal["figure"] = "figure"
    measure: Slug = Field(description="what is counted, e.g. ccgs-forecasting-deficit")
    unit: Literal["gbp", "count", "percent"] | None = None
    count: Count | None = None
    percent: Percent | None = None
    components: list[Component] = Field(
        default_factory=list,
        description="ids of the records this figure should add up to ('-id' subtracts one)",
    )
    components_complete: StrictBool | None = Field(
        default=None, description="false when the components are only some of the parts"
    )
    sum_of_members: StrictBool | None = Field(
        default=None, description="true when it should equal its account's members' figures"
    )
    tolerance: Pounds | None = Field(default=None, description="accepted residual, in pounds")
    tolerance_pence: Pence | None = None
    tolerance_count: Count | None = None
    amount_rule: ClassVar[str | None] = None
    known_after_period: ClassVar[bool] = True

    @model_validator(mode="after")
    def _one_value(self) -> FigureRecord:
        given = {
            "gbp": self.amount_pence is not None,
            "count": self.count is not None,
            "percent": self.percent is not None,
        }
        units = [unit for unit, present in given.items() if present]
        if len(units) != 1:
            raise ValueError("a figure has exactly one of amount, count or percent")
        if self.unit is not None and self.unit != units[0]:
            raise ValueError(f"unit {self.unit} does not match the value given ({units[0]})")
        self.unit = units[0]  # type: ignore[assignment]
        self._check_reconciliation()
        return self

    def _check_reconciliation(self) -> None:
        if self.tolerance is not None:
            if self.tolerance_pence is not None:
                raise ValueError("give tolerance or tolerance_pence, not both")
            self.tolerance_pence, self.tolerance = self.tolerance, None
        if self.tolerance_pence is not None and self.tolerance_pence < 0:
            raise ValueError(
                f"tolerance must not be negative, got {format_pounds(self.tolerance_pence)}"
            )
        named = Counter(component.removeprefix("-") for component in self.components)
        repeated = sorted(record_id for record_id, times in named.items() if times > 1)
        if repeated:
            raise ValueError(
                f"components: {repeated[0]!r} is named more than once "
                "(a figure adds or subtracts each record once)"
            )
        if self.components and self.sum_of_members:
            raise ValueError("a figure adds up either its components or its members, not both")
        reconciles = bool(self.components or self.sum_of_members)
        if self.unit == "percent" and reconciles:
            raise ValueError("percentages are not added up: a percent figure has no components")
        if (self.tolerance_pence is not None and self.unit != "gbp") or (
            self.tolerance_count is not None and self.unit != "count"
        ):
            raise ValueError(f"the tolerance must be in the figure's unit ({self.unit})")
        if not reconciles and (
            self.tolerance_pence is not None or self.tolerance_count is not None
        ):
            raise ValueError("a tolerance is for a figure with components or members")
        if self.components_complete is False and not self.components:
            raise ValueError("components_complete says something only about components")
        # One spelling for the defaults: complete components, no sum of members.
        if self.components_complete is True:
            self.components_complete = None
        if self.sum_of_members is False:
            self.sum_of_members = None


class CorrectionRecord(CitedRecord):
    """Reverses an earlier record, or replaces its value, from ``as_at`` on."""

    kind: Literal["correction"] = "correction"
    corrects: RecordId = Field(description="id of the record corrected")
    action: Literal["reverse", "replace"]
    reason: Text = Field(description="why the record was wrong")
    amount: Pounds | None = Field(default=None, description="replacement amount in pounds")
    amount_pence: Pence | None = Field(default=None, description="replacement amount in pence")
    count: Count | None = None
    percent: Percent | None = None

    @model_validator(mode="after")
    def _value_matches_action(self) -> CorrectionRecord:
        if self.amount is not None:
            if self.amount_pence is not None:
                raise ValueError("give amount or amount_pence, not both")
            self.amount_pence, self.amount = self.amount, None
        values = [v for v in (self.amount_pence, self.count, self.percent) if v is not None]
        if self.action == "reverse" and values:
            raise ValueError("a reversal carries no new value")
        if self.action == "replace" and len(values) != 1:
            raise ValueError("a replacement carries exactly one new amount, count or percent")
        return self

    @property
    def replacement_unit(self) -> str | None:
        """gbp, count or percent: the unit of the new value (None for a reversal)."""
        if self.amount_pence is not None:
            return "gbp"
        if self.count is not None:
            return "count"
        return "percent" if self.percent is not None else None


AnyRecord = (
    SourceRecord
    | OrganisationRecord
    | ClosureRecord
    | MergerRecord
    | BaselineRecord
    | AllocationRecord
    | TransferRecord
    | PlanRecord
    | ForecastRecord
    | DrawdownRecord
    | QippRecord
    | FigureRecord
    | CorrectionRecord
)
Record = Annotated[AnyRecord, Field(discriminator="kind")]

MODELS: dict[str, type[RecordBase]] = {
    model.model_fields["kind"].default: model for model in AnyRecord.__args__
}
KINDS = tuple(MODELS)
assert KINDS == kinds.KINDS, "ledger.kinds lists the kinds of record in the models' order"

_record_adapter: TypeAdapter[AnyRecord] = TypeAdapter(Record)


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
    if kind not in MODELS:
        raise RecordError([f"unknown kind {kind!r} (one of: " + ", ".join(KINDS) + ")"])
    try:
        return _record_adapter.validate_python(data)
    except ValidationError as error:
        problems = describe_validation_error(error)
        if _amount_also_missing(MODELS[kind], data) and "amount is missing" not in problems:
            problems.append("amount is missing")  # found only once the other fields pass
        raise RecordError(problems) from None


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
    """Turn pydantic's errors into ``field: message`` lines."""
    problems = []
    for item in error.errors(include_url=False):
        location = [str(part) for part in item["loc"][1:]]  # the first part is the kind tag
        field = ".".join(location)
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = f"{field} is missing"
        elif item["type"] == "extra_forbidden":
            message = f"unknown field {field!r}"
        elif item["type"] == "string_pattern_mismatch":
            message = f"{field}: {item['input']!r} is not a valid code or id"
        elif field:
            message = f"{field}: {message}"
        problems.append(message)
    return problems
