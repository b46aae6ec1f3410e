"""Records of a financial year's figures: allocations, transfers, plans, forecasts, surplus
drawdowns, QIPP and reported figures (totals, counts, percentages), and the corrections
that reverse or replace any of them. Parsing normalises the amount to pence and fills in
the effective date."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StrictBool, model_validator

from ledger.records.base import CitedRecord
from ledger.records.fields import (
    SPACE_AROUND,
    Code,
    Component,
    Count,
    FinancialYear,
    IsoDate,
    Pence,
    Percent,
    Period,
    Pounds,
    RecordId,
    ServiceChoice,
    Slug,
    Text,
    amount_problem,
)
from ledger.records.kinds import a_kind
from ledger.records.money import format_pounds
from ledger.records.periods import first_day, last_day, period_end


class YearRecord(CitedRecord):
    """A money fact about one financial year (and optionally one month of it)."""

    financial_year: FinancialYear = Field(description="e.g. 2013-14")
    period: Period | None = Field(default=None, description="month M1-M12 the figure is at")
    effective: IsoDate | None = Field(
        default=None, description="date the figure is about (default: period end or 1 April)"
    )
    amount: Pounds | None = Field(default=None, description="amount in pounds, e.g. £8.6m")
    amount_pence: Pence | None = Field(default=None, description="amount in integer pence")
    service: ServiceChoice | None = Field(
        default=None, description="what it pays for, e.g. specialised (ICB-era allocations)"
    )
    step: Text | None = Field(
        default=None, description="the step of a baseline's construction, as its sheet labels it"
    )

    # How the amount may be signed; None means the kind carries no amount of its own.
    amount_rule: ClassVar[str | None] = "any"
    # A figure about month Mn cannot be known before that month has ended.
    known_after_period: ClassVar[bool] = False
    reach_checked_later: ClassVar[bool] = True  # by _normalise_year_fields

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
                    f"{a_kind(self.kind)} at {self.period} of {self.financial_year} cannot be "
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
    deficit: Annotated[Literal["planned", "unplanned"], SPACE_AROUND] | None = Field(
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
    measure: Annotated[Literal["plan", "shortfall"], SPACE_AROUND]
    amount_rule: ClassVar[str | None] = "not-negative"
    known_after_period: ClassVar[bool] = True


class FigureRecord(AccountRecord):
    """A published total, count or percentage, kept to reconcile with its parts."""

    kind: Literal["figure"] = "figure"
    measure: Slug = Field(description="what is counted, e.g. ccgs-forecasting-deficit")
    unit: Annotated[Literal["gbp", "count", "percent"], SPACE_AROUND] | None = None
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
    rounded: StrictBool | None = Field(
        default=None, description="true when the source gives the figure rounded (about £12bn)"
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
    action: Annotated[Literal["reverse", "replace"], SPACE_AROUND]
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
