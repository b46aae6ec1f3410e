"""Import records for the ICB allocations of 2023-24 to 2025-26, from every numeric cell of
NHS England's two allocation workbooks (data/icb_allocations_2023_24_to_2025_26_cells.csv);
published_data writes them to events/<year>/icb-allocations.jsonl.

SHEETS below says what every column of every sheet is:
  opening   the baseline a year's allocation starts from: an allocation (the first step)
  step      an adjustment, transfer or addition: an allocation with the column as `step`
  growth    a step the sheet gives only through other cells (growth given as a percentage):
            an allocation of `plus` less `minus`, placed before the column it is named after
  subtotal  a figure the sheet works out from steps (or figures): `components` = its parts
  total     the year's final figure for the service (measure total-allocation)
  percent   a percentage: a figure with `percent` (0.0437 in a cell, or "4.37%", is 4.37)
  per-head  £ per head (whole pounds, not £k): a figure with no components
  other     any other £k figure (a target, last year's non-recurrent money): a figure
  replaces  the later workbook's figure for an allocation the earlier one made: a correction
Each ICB row gives records on the ICB; each region row and the England row give figures on
the region or on icb-sector (measure allocation-step for a step), whose components are the
same column's records of the ICBs in the region or in England.

A cell becomes pence in one way (cell_pence): the exact decimal value the cell holds
(commas and spaces dropped, " - " is zero), times 100,000 for £k (100 for £ per head),
rounded half to even to a whole penny. Never a float. A step of zero pence is not recorded
(an allocation is never zero), so it is in no figure's components.

Tolerance of a figure with components: each cell is rounded to the penny on its own, so it
may be up to half a penny off; and a cell showing a whole number of £k may be NHS England's
own rounding of a figure with decimals (the workbooks publish allocations in whole £k), so
it may be up to £500 off. The tolerance is the sum over the figure's cell and its
components' cells (a growth step counts the cells it is worked out from), rounded up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from ledger.records.money import parse_percent

CELLS_FILE = "icb_allocations_2023_24_to_2025_26_cells.csv"
WORKBOOKS = {  # file name -> (id prefix, source id, the day the version was last saved)
    "icb_allocations_2023_24_and_2024_25.xlsx": ("icb23", "data-icb-allocations-2023-24", "2023-06-19"),
    "icb_allocations_2025_26.xlsx": ("icb25", "data-icb-allocations-2025-26", "2025-03-17"),
}
ENGLAND = "icb-sector"
# Sheets with rows for NHS England's regional teams (money NHS England keeps): their region
# and England cells are more than the ICB rows add up to, and the cells file has no such rows.
HELD_BY_NHS_ENGLAND = ("Other Primary Care", "POD Baseline 2025-26", "POD Allocation 2025-26")


@dataclass(frozen=True)
class Column:
    role: str
    measure: str = ""
    parts: tuple[str, ...] = ()  # "E", "E:R" (the steps from E to R), "Sheet!S", "J+"
    year: str = ""  # when not the sheet's year
    label: str = ""  # a growth step's label
    plus: str = ""  # a growth step: this cell less the `minus` cells
    minus: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    workbook: str
    service: str
    year: str
    columns: dict[str, Column]


def opening(year: str = "") -> Column:
    return Column("opening", year=year)


def step(year: str = "") -> Column:
    return Column("step", year=year)


def steps(first: str, last: str) -> dict[str, Column]:
    return {chr(c): step() for c in range(ord(first), ord(last) + 1)}


def growth(label: str, plus: str, *minus: str, year: str = "") -> Column:
    return Column("growth", label=label, plus=plus, minus=minus, year=year)


def subtotal(measure: str, *parts: str, year: str = "") -> Column:
    return Column("subtotal", measure, parts, year)


def total(*parts: str, year: str = "") -> Column:
    return Column("total", "total-allocation", parts, year)


def percent(measure: str, year: str = "") -> Column:
    return Column("percent", measure, year=year)


def per_head(measure: str) -> Column:
    return Column("per-head", measure)


def other(measure: str, *parts: str) -> Column:
    return Column("other", measure, parts)


WB23, WB25 = WORKBOOKS
CORE23, CORE24 = "ICB Core Baseline 2023-24", "ICB Core Baseline 2024-25"
CORE25, SPEC25 = "ICB Core Baseline 2025-26", "Specialised Baseline 2025-26"
PMC23, PMC24, PMC25 = "PMC Baseline 2023-24", "PMC Baseline 2024-25", "PMC Baseline 2025-26"
POD25 = "POD Baseline 2025-26"
GROWTH_23, GROWTH_24, GROWTH_25 = (
    f"{y} base growth and convergence" for y in ("2023/24", "2024/25", "2025/26")
)

SHEETS: dict[tuple[str, str], Sheet] = {
    (WB23, CORE23): Sheet(WB23, "core", "2023-24", {
        "E": opening(), **steps("F", "R"),
        "S": subtotal("adjusted-recurrent-baseline", "E:R"),
        "T": per_head("adjusted-recurrent-baseline-per-head"),
        "U": other("prior-year-covid"),  # 2022/23 money outside the recurrent baseline
        "V": other("prior-year-additional-elective"),
    }),
    (WB23, "ICB Core Allocations 2023-24"): Sheet(WB23, "core", "2023-24", {
        "E": other("opening-baseline", f"{CORE23}!S"),
        "F": other("fair-shares-target"),
        "G": percent("distance-from-target-percent"),
        "I": percent("base-growth-percent"),
        "J": percent("convergence-percent"),
        "K+": growth(GROWTH_23, "K", "E"),
        "K": subtotal("recurrent-allocation", f"{CORE23}!E:R", "K+"),
        "L": per_head("recurrent-allocation-per-head"),
        "M": percent("post-convergence-distance-from-target-percent"),
        "N": percent("recurrent-allocation-growth-percent"),
        "O": step(), "P": step(),
        "Q": subtotal("total-allocation-before-discharge", f"{CORE23}!E:R", "K+", "O:P"),
        "R": percent("total-allocation-growth-percent"),
        "S": step(), "T": step(),
        "U": total(f"{CORE23}!E:R", "K+", "O:T"),
    }),
    (WB23, CORE24): Sheet(WB23, "core", "2024-25", {
        "E": opening(), "F": step(),
        "G": subtotal("adjusted-recurrent-baseline", "E:F"),
        "H": per_head("adjusted-recurrent-baseline-per-head"),
    }),
    (WB23, "ICB Core Allocations 2024-25"): Sheet(WB23, "core", "2024-25", {
        "E": other("opening-baseline", f"{CORE24}!G"),
        "F": other("fair-shares-target"),
        "G": percent("distance-from-target-percent"),
        "I": percent("base-growth-percent"),
        "J": percent("convergence-percent"),
        "K+": growth(GROWTH_24, "K", "E"),
        "K": subtotal("recurrent-allocation", f"{CORE24}!E:F", "K+"),
        "L": per_head("recurrent-allocation-per-head"),
        "M": percent("post-convergence-distance-from-target-percent"),
        "N": percent("recurrent-allocation-growth-percent"),
        "O": step(),
        "P": subtotal("total-allocation-before-discharge", f"{CORE24}!E:F", "K+", "O"),
        "Q": percent("total-allocation-growth-percent"),
        "R": step(),
        "S": total(f"{CORE24}!E:F", "K+", "O:R"),
    }),
    (WB23, PMC23): Sheet(WB23, "primary-medical-care", "2023-24", {
        "E": opening(), **steps("F", "J"),
        "K": subtotal("adjusted-recurrent-baseline", "E:J"),
        "L": per_head("adjusted-recurrent-baseline-per-head"),
    }),
    (WB23, "PMC Allocations 2023-24"): Sheet(WB23, "primary-medical-care", "2023-24", {
        "E": other("opening-baseline", f"{PMC23}!K"),
        "F": other("fair-shares-target"),
        "G": percent("distance-from-target-percent"),
        "I": percent("base-growth-percent"),
        "J": percent("convergence-percent"),
        "K+": growth(GROWTH_23, "K", "E"),
        "K": total(f"{PMC23}!E:J", "K+"),  # the recurrent allocation is the year's total
        "L": per_head("recurrent-allocation-per-head"),
        "M": percent("post-convergence-distance-from-target-percent"),
        "N": percent("recurrent-allocation-growth-percent"),
        "O": other("prior-year-improving-access"),  # already in the baseline (PMC23 J)
    }),
    (WB23, PMC24): Sheet(WB23, "primary-medical-care", "2024-25", {
        "E": opening(),
        "F": subtotal("adjusted-recurrent-baseline", "E"),
        "G": per_head("adjusted-recurrent-baseline-per-head"),
    }),
    (WB23, "PMC Allocations 2024-25"): Sheet(WB23, "primary-medical-care", "2024-25", {
        "E": other("opening-baseline", f"{PMC24}!F"),
        "F": other("fair-shares-target"),
        "G": percent("distance-from-target-percent"),
        "I": percent("base-growth-percent"),
        "J": percent("convergence-percent"),
        "K+": growth(GROWTH_24, "K", "E"),
        "K": total(f"{PMC24}!E", "K+"),
        "L": per_head("recurrent-allocation-per-head"),
        "M": percent("post-convergence-distance-from-target-percent"),
        "N": percent("recurrent-allocation-growth-percent"),
    }),
    # Two years on one sheet, with no England row; convergence is given only as a %.
    (WB23, "Other Primary Care"): Sheet(WB23, "other-primary-care", "2023-24", {
        "E": opening(), "G": step(),
        "J+": growth("2023/24 Convergence", "J", "E", "G"),
        "H": percent("base-growth-percent"),
        "I": percent("convergence-percent"),
        "J": total("E", "G", "J+"),
        "K": percent("total-allocation-growth-percent"),
        "J-": opening(year="2024-25"),  # the 2023/24 recurrent allocation opens 2024/25
        "M": step(year="2024-25"),
        "P+": growth("2024/25 Convergence", "P", "J", "M", year="2024-25"),
        "N": percent("base-growth-percent", year="2024-25"),
        "O": percent("convergence-percent", year="2024-25"),
        "P": total("J-", "M", "P+", year="2024-25"),
        "Q": percent("total-allocation-growth-percent", year="2024-25"),
    }),
    (WB23, "ICB running cost allowance"): Sheet(WB23, "running-costs", "2023-24", {
        "E": opening(), "F": opening(year="2024-25"), "G": opening(year="2025-26"),
    }),
    (WB25, CORE25): Sheet(WB25, "core", "2025-26", {
        "E": opening(),
        "F+": growth("2024/25 Recurrent baseline - updated less published", "F", "E"),
        "F": subtotal("updated-recurrent-baseline", "E:F+"),
        **steps("G", "Q"),
        "R": subtotal("adjusted-recurrent-baseline", "E:Q"),
        "S": other("prior-year-additional-elective"),
        "T": other("prior-year-combined-allocation", "R", "S"),
    }),
    (WB25, "ICB Core Allocations 2025-26"): Sheet(WB25, "core", "2025-26", {
        "E": other("opening-baseline", f"{CORE25}!R"),
        "F": other("fair-shares-target"),
        "G": percent("distance-from-target-percent"),
        "H": percent("base-growth-percent"),
        "I": percent("convergence-percent"),
        "J+": growth(GROWTH_25, "J", "E"),
        "J": subtotal("recurrent-allocation", f"{CORE25}!E:Q", "J+"),
        "K": per_head("recurrent-allocation-per-head"),
        "L": percent("post-convergence-distance-from-target-percent"),
        "M": percent("recurrent-allocation-growth-percent"),
        **steps("N", "W"),
        "X": total(f"{CORE25}!E:Q", "J+", "N:W"),
    }),
    (WB25, SPEC25): Sheet(WB25, "specialised", "2025-26", {
        "E": opening(), **steps("F", "M"),
        "N": subtotal("physical-health-baseline", "E:M"),
        "O": other("high-cost-drugs-baseline"),
        "P": other("high-cost-devices-baseline"),
        "Q": subtotal("physical-health-hcdd-baseline", "E:M", "O", "P"),
        "R": step(),  # the delegated mental health baseline joins the allocation
        "S": subtotal("physical-health-mh-baseline", "E:M", "R"),
    }),
    # High-cost drugs and devices (L) are shown but are not in the final column R.
    (WB25, "Specialised Allocations 2025-26"): Sheet(WB25, "specialised", "2025-26", {
        "E": other("opening-baseline", f"{SPEC25}!Q"),
        "F": other("fair-shares-target"),
        "G": percent("distance-from-target-percent"),
        "H": percent("base-growth-percent"),
        "I": percent("convergence-percent"),
        # J adds up L and M (so those come first), K follows.
        "L": other("hcdd-allocation"),
        "M+": growth("2025/26 Physical health services growth and convergence", "M",
                     f"{SPEC25}!N"),
        "J": subtotal("physical-health-hcdd-recurrent-allocation", "L", f"{SPEC25}!E:M", "M+"),
        "K": percent("post-convergence-distance-from-target-percent"),
        "M": subtotal("physical-health-recurrent-allocation", f"{SPEC25}!E:M", "M+"),
        "N": per_head("physical-health-recurrent-allocation-per-head"),
        "O": percent("physical-health-allocation-growth-percent"),
        "P+": growth("2025/26 Delegated MH growth", "P", f"{SPEC25}!R"),
        "P": subtotal("delegated-mh-allocation", f"{SPEC25}!R", "P+"),
        "Q": step(),
        "R": total(f"{SPEC25}!E:M", "M+", f"{SPEC25}!R", "P+", "Q"),
    }),
    (WB25, PMC25): Sheet(WB25, "primary-medical-care", "2025-26", {
        "E": opening(), **steps("F", "N"),
        "O": subtotal("adjusted-recurrent-baseline", "E:N"),
    }),
    (WB25, "PMC Allocation 2025-26"): Sheet(WB25, "primary-medical-care", "2025-26", {
        "E": other("opening-baseline", f"{PMC25}!O"),
        "F": other("fair-shares-target"),
        "G": percent("distance-from-target-percent"),
        "H": percent("base-growth-percent"),
        "I": percent("convergence-percent"),
        "J": percent("post-convergence-distance-from-target-percent"),
        "K+": growth(GROWTH_25, "K", "E"),
        "K": subtotal("recurrent-allocation", f"{PMC25}!E:N", "K+"),
        **steps("L", "O"),
        "P": total(f"{PMC25}!E:N", "K+", "L:O"),
        "Q": per_head("recurrent-allocation-per-head"),
        "R": percent("recurrent-allocation-growth-percent"),
    }),
    (WB25, POD25): Sheet(WB25, "pod", "2025-26", {
        "E": opening(), **steps("F", "Q"),
        "R": subtotal("adjusted-recurrent-baseline", "E:Q"),
    }),
    (WB25, "POD Allocation 2025-26"): Sheet(WB25, "pod", "2025-26", {
        "E": other("opening-baseline", f"{POD25}!R"),
        "F": percent("base-growth-percent"),
        "G+": growth("2025/26 base growth", "G", "E"),
        "G": subtotal("recurrent-allocation", f"{POD25}!E:Q", "G+"),
        "H": step(),
        "I": total(f"{POD25}!E:Q", "G+", "H"),
    }),
    # The 2025/26 allowance the later workbook gives replaces the earlier workbook's.
    (WB25, "ICB running cost allowance"): Sheet(WB25, "running-costs", "2025-26", {
        "E": Column("replaces", parts=(f"{WB23}|ICB running cost allowance!G",)),
    }),
}  # fmt: skip

ALLOCATING = ("opening", "step", "growth")
SUFFIX = {"+": "-step", "-": "-opening"}  # a key's mark after its column letter
HALF_PENNY, HALF_THOUSAND = Decimal("0.5"), Decimal(50_000)


def cell_pence(value: str, pounds_per_unit: int = 1000) -> int:
    """The exact decimal a cell holds (in £k unless told), in pence rounded half to even."""
    text = value.strip().replace(",", "")
    number = Decimal(0) if text in ("-", "") else Decimal(text)
    return int((number * 100 * pounds_per_unit).to_integral_value(ROUND_HALF_EVEN))


def cell_percent(value: str) -> str:
    """A percentage as exact decimal text: "4.37% " is 4.37, and so is the fraction 0.0437."""
    text = value.strip()
    if text in ("-", ""):
        return "0"
    if text.endswith("%"):
        return parse_percent(text)
    return parse_percent(format(Decimal(text) * 100, "f"))


def whole_thousands(value: str) -> bool:
    """Whether a cell shows a whole number of £k (so may be NHS England's rounding)."""
    text = value.strip().replace(",", "")
    return text in ("-", "") or Decimal(text) == Decimal(text).to_integral_value()


def tolerance_pence(cells: int, whole: int) -> int:
    """Half a penny for each cell, and £500 more for each cell showing whole £k."""
    return math.ceil((cells - whole) * HALF_PENNY + whole * HALF_THOUSAND)
