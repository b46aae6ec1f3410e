"""Records the figures refer to: source documents, organisations (with the changes to them
over time: closures, mergers, splits and moves between parents) and named baselines."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ledger.records.base import CitedRecord, RecordBase
from ledger.records.fields import (
    Code,
    Count,
    FinancialYear,
    IsoDate,
    OrganisationTypeChoice,
    Slug,
    Text,
    not_in_future,
)
from ledger.records.periods import first_day, last_day


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
        not_in_future("published", self.published)
        return self


class OrganisationRecord(CitedRecord):
    """An organisation, budget or sector aggregate; its id is its code (ODS code or slug)."""

    kind: Literal["organisation"] = "organisation"
    id: Code = Field(description="the organisation's code, e.g. 06H")
    name: Text
    type: OrganisationTypeChoice
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
    predecessors: list[Code] = Field(min_length=1, description="an organisation merged into it")
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


class MembershipRecord(CitedRecord):
    """From ``effective`` on, ``organisation`` sits under these parents (an area team, a
    region), as a register lists it then, with the ``name`` it gives (when it gives one):
    NHS England's structure changed around the organisations it groups."""

    kind: Literal["membership"] = "membership"
    organisation: Code
    effective: IsoDate = Field(description="first day under these parents")
    area_team: Code | None = None
    region: Code | None = None
    name: Text | None = Field(default=None, description="its name in that register")

    def dates_about(self) -> dict[str, date | None]:
        return {"effective": self.effective}

    @model_validator(mode="after")
    def _names_a_parent(self) -> MembershipRecord:
        if self.area_team is None and self.region is None:
            raise ValueError("a membership names an area_team, a region or both")
        if self.organisation in (self.area_team, self.region):
            raise ValueError(f"{self.organisation} cannot be its own parent")
        return self

    def organisation_references(self) -> list[tuple[str, str]]:
        fields = (
            ("organisation", self.organisation),
            ("area_team", self.area_team),
            ("region", self.region),
        )
        return [(name, code) for name, code in fields if code is not None]


class Share(BaseModel):
    """One successor of a split and its weight (e.g. the registered patients it took)."""

    model_config = ConfigDict(extra="forbid")

    organisation: Code
    weight: Count


class SplitRecord(CitedRecord):
    """``organisation`` was divided between ``successors`` from ``effective``: its figures
    are carried on to each in proportion to its weight, and marked as apportioned."""

    kind: Literal["split"] = "split"
    organisation: Code = Field(description="the organisation divided")
    successors: list[Share] = Field(
        min_length=2,
        description="an organisation it was divided into and its weight",
        examples=["QJ2=33087"],
    )
    basis: Text = Field(description="what the weights count, e.g. GP registered patients")
    effective: IsoDate = Field(description="first day of the successors' responsibility")

    def dates_about(self) -> dict[str, date | None]:
        return {"effective": self.effective}

    @model_validator(mode="after")
    def _distinct_successors(self) -> SplitRecord:
        codes = [share.organisation for share in self.successors]
        if len(set(codes)) != len(codes):
            raise ValueError("successors name the same organisation twice")
        if self.organisation in codes:
            raise ValueError(f"{self.organisation} cannot be split into itself")
        if not any(share.weight for share in self.successors):
            raise ValueError("successors: at least one weight is more than zero")
        return self

    def organisation_references(self) -> list[tuple[str, str]]:
        return [("organisation", self.organisation)] + [
            ("successors", share.organisation) for share in self.successors
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
        not_in_future("known", self.known)
        if not first_day(self.financial_year) <= self.effective <= last_day(self.financial_year):
            raise ValueError(
                f"effective date {self.effective} is outside financial year {self.financial_year}"
            )
        return self
