"""A synthetic history for testing and benchmarks: made-up figures over the real CCGs.

Every record cites the source ``synthetic-<seed>`` and every id starts with
``syn-<seed>-``, so it can never be mistaken for the published record (and is never
written into events/), and histories of different seeds can be imported into one store.
The history runs month by month from 2013-14 for as many years as the number of events
asked for needs: allocations, in-year adjustments, transfers to specialised
commissioning and between neighbouring CCGs, plans, monthly forecasts, QIPP, surplus
drawdowns, counts of CCGs forecasting a deficit, and corrections of earlier records.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ledger.records.periods import first_day, period_end

FIRST_YEAR = 2013
# Per CCG and month, beyond the forecast: in-year changes to allocations.
CHANGES_PER_CCG_MONTH = (1, 40)
# A history longer than the years so far hold at 40 a month (some 1.3 million records over
# 211 CCGs) is packed more densely, up to this many (a 10-million-record benchmark).
DENSEST = 400
# A month's figures are known within 25 days of its end (see _month).
MONTH_END_REPORTING = timedelta(days=30)


@dataclass(frozen=True)
class Ccg:
    code: str
    area_team: str | None
    known: date = date.min  # when the store came to know the CCG: no figure of it is earlier


# The organisations other than CCGs that the history names.
SPECIALISED = "specialised-commissioning"
SECTOR = "ccg-sector"


def synthetic_history(
    ccgs: list[Ccg], events: int, seed: int, known: dict[str, date] | None = None
) -> Iterator[dict[str, Any]]:
    """``events`` records (the first is the synthetic source) over ``ccgs``; ``known`` says
    from when SPECIALISED and SECTOR are known, and no record naming one is known earlier."""
    if not ccgs:
        raise ValueError("no CCGs to write a history for")
    years = years_before(date.today())
    room = 1 + len(years) * records_per_year(len(ccgs), DENSEST)
    if events > room:
        raise ValueError(
            f"{events:,} events would run past today; ask for at most {room:,} "
            f"(the years {years[0]} to {years[-1]} over {len(ccgs)} CCGs)"
        )
    writer = _Writer(ccgs, random.Random(seed), seed, known or {})
    for produced, record in enumerate(writer.records(events), start=1):
        yield record
        if produced == events:
            return


def changes_per_ccg_month(ccgs: int, events: int, years: int) -> int:
    """Records per CCG and month (its forecast and in-year changes): as many as spread the
    events over one year, within CHANGES_PER_CCG_MONTH; more, up to DENSEST, when the
    ``years`` so far cannot hold the events at that."""
    lowest, highest = CHANGES_PER_CCG_MONTH
    usual = max(lowest, min(events // (ccgs * 12), highest))
    if years == 0 or 1 + years * records_per_year(ccgs, usual) >= events:
        return usual
    per_year = -(-(events - 1) // years)  # rounded up
    needed = -(-(per_year - 3 * ccgs - 12) // (12 * ccgs))
    return min(max(needed, usual), DENSEST)


def records_per_year(ccgs: int, per_month: int) -> int:
    """Each CCG's allocation, plan and QIPP plan, then each month its records and the
    sector's count of deficits."""
    return 3 * ccgs + 12 * (ccgs * per_month + 1)


def years_before(today: date) -> list[str]:
    """The financial years from FIRST_YEAR whose month-12 figures are known by ``today``."""
    years = []
    year = FIRST_YEAR
    while period_end(f"{year}-{(year + 1) % 100:02d}", "M12") + MONTH_END_REPORTING <= today:
        years.append(f"{year}-{(year + 1) % 100:02d}")
        year += 1
    return years


class _Numbering:
    """The records of one synthetic history as they are written: numbered ids and locators,
    the synthetic source they cite, and this year's records a correction may fix."""

    def __init__(self, seed: int):
        self.source = f"synthetic-{seed}"
        self.prefix = f"syn-{seed}-"
        self.serial = 0
        self.recent: list[dict[str, Any]] = []  # correctable records of the current year

    def source_record(self) -> dict[str, Any]:
        return {
            "id": self.source,
            "kind": "source",
            "title": "Synthetic history: made-up figures over the real CCGs, for tests and "
            "benchmarks",
            "publisher": "the commissioning ledger's generator (not a real publication)",
            "published": "2013-04-01",
            "dated_by": "fixed date of the generator",
            "covers": "synthetic; not real NHS figures",
        }

    def fact(self, kind: str, financial_year: str, known: date, **fields: Any) -> dict[str, Any]:
        self.serial += 1
        record = {
            "id": f"{self.prefix}{self.serial}",
            "kind": kind,
            "financial_year": financial_year,
            **fields,
            "as_at": known.isoformat(),
            "source": self.source,
            "locator": f"synthetic {self.serial}",
        }
        if kind not in ("figure",) and fields.get("amount_pence") and len(self.recent) < 2000:
            self.recent.append(record)
        return record

    def correction(
        self, target: dict[str, Any], fix: dict[str, Any], known: date
    ) -> dict[str, Any]:
        self.serial += 1
        return {
            "id": f"{self.prefix}{self.serial}",
            "kind": "correction",
            "corrects": target["id"],
            **fix,
            "as_at": known.isoformat(),
            "source": self.source,
            "locator": f"synthetic {self.serial}",
            "reason": "synthetic correction",
        }


class _Writer:
    """The history year by year: each CCG's allocation, plan and QIPP plan, then month by
    month its forecast, its in-year changes and the sector's count of deficits."""

    def __init__(self, ccgs: list[Ccg], rng: random.Random, seed: int, known: dict[str, date]):
        self.known = known
        self.ccgs = ccgs
        self.rng = rng
        self.numbering = _Numbering(seed)
        neighbours: dict[str | None, list[str]] = {}
        for ccg in ccgs:
            neighbours.setdefault(ccg.area_team, []).append(ccg.code)
        self.changes = _Changes(rng, known, neighbours, self.numbering)

    def records(self, events: int) -> Iterator[dict[str, Any]]:
        yield self.numbering.source_record()
        years = years_before(date.today())
        per_month = changes_per_ccg_month(len(self.ccgs), events, len(years))
        for financial_year in years:
            yield from self._year(financial_year, per_month)

    def _year(self, financial_year: str, per_month: int) -> Iterator[dict[str, Any]]:
        start = first_day(financial_year)
        self.numbering.recent = []
        for ccg in self.ccgs:
            yield self.numbering.fact(
                "allocation",
                financial_year,
                max(start - timedelta(days=100), ccg.known),
                account=ccg.code,
                amount_pence=self.rng.randrange(100_000, 1_500_000) * 100_000,
            )
            yield self.numbering.fact(
                "plan",
                financial_year,
                max(start - timedelta(days=30), ccg.known),
                account=ccg.code,
                amount_pence=self.rng.randrange(-5_000, 10_000) * 100_000,
            )
            yield self.numbering.fact(
                "qipp",
                financial_year,
                start,
                account=ccg.code,
                measure="plan",
                amount_pence=self.rng.randrange(5_000, 60_000) * 100_000,
            )
        for month in range(1, 13):
            yield from self._month(financial_year, f"M{month}", per_month)

    def _month(self, financial_year: str, period: str, per_month: int) -> Iterator[dict[str, Any]]:
        known = period_end(financial_year, period) + timedelta(days=self.rng.randrange(5, 25))
        deficits = 0
        for ccg in self.ccgs:
            outturn = self.rng.randrange(-15_000, 20_000) * 10_000
            deficits += outturn < 0
            yield self.numbering.fact(
                "forecast",
                financial_year,
                known,
                account=ccg.code,
                period=period,
                amount_pence=outturn,
            )
            for _ in range(per_month - 1):
                yield self.changes.change(financial_year, period, known, ccg)
        yield self.numbering.fact(
            "figure",
            financial_year,
            max(known, self.known.get(SECTOR, date.min)),
            account=SECTOR,
            period=period,
            measure="ccgs-forecasting-deficit",
            count=deficits,
        )


class _Changes:
    """One CCG's in-year changes in a month, drawn at random: allocation adjustments,
    transfers, QIPP shortfalls, drawdowns, corrections and revised plans."""

    def __init__(
        self,
        rng: random.Random,
        known: dict[str, date],
        neighbours: dict[str | None, list[str]],
        numbering: _Numbering,
    ):
        self.rng = rng
        self.known = known
        self.neighbours = neighbours
        self.numbering = numbering

    def change(self, financial_year: str, period: str, known: date, ccg: Ccg) -> dict[str, Any]:
        roll = self.rng.random()
        effective = {"effective": period_end(financial_year, period).isoformat()}
        amount = self.rng.randrange(1, 5_000) * 10_000
        if roll < 0.35:
            signed = amount if self.rng.random() < 0.5 else -amount
            return self.numbering.fact(
                "allocation",
                financial_year,
                known,
                account=ccg.code,
                amount_pence=signed,
                **effective,
            )
        if roll < 0.6:
            return self._transfer(financial_year, known, ccg, amount, effective)
        if roll < 0.75:
            return self.numbering.fact(
                "qipp",
                financial_year,
                known,
                account=ccg.code,
                period=period,
                measure="shortfall",
                amount_pence=amount,
            )
        if roll < 0.85:
            return self.numbering.fact(
                "drawdown",
                financial_year,
                known,
                account=ccg.code,
                amount_pence=amount,
                **effective,
            )
        if roll < 0.95 and self.numbering.recent:
            return self._correction(known)
        return self.numbering.fact(
            "plan",
            financial_year,
            known,
            account=ccg.code,
            amount_pence=self.rng.randrange(-5_000, 10_000) * 100_000,
        )

    def _transfer(
        self, financial_year: str, known: date, ccg: Ccg, amount: int, effective: dict[str, str]
    ) -> dict[str, Any]:
        nearby = [code for code in self.neighbours[ccg.area_team] if code != ccg.code]
        to = self.rng.choice(nearby) if nearby and self.rng.random() < 0.5 else SPECIALISED
        if to == SPECIALISED and known < self.known.get(SPECIALISED, date.min) and nearby:
            to = nearby[0]  # no record is known before the organisation it names
        return self.numbering.fact(
            "transfer",
            financial_year,
            known,
            amount_pence=amount,
            **{"from": ccg.code, "to": to},
            **effective,
        )

    def _correction(self, known: date) -> dict[str, Any]:
        target = self.rng.choice(self.numbering.recent)
        fix: dict[str, Any] = {"action": "reverse"}
        if target["kind"] != "figure" and self.rng.random() < 0.7:
            amount = abs(target["amount_pence"]) + self.rng.randrange(1, 100) * 10_000
            sign = -1 if target["amount_pence"] < 0 and target["kind"] != "transfer" else 1
            fix = {"action": "replace", "amount_pence": sign * amount}
        return self.numbering.correction(target, fix, known)
