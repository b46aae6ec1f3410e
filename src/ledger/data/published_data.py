"""Turn the public NHS England data in data/ into import records for events/.

The files it writes are committed; a test runs it again and compares, so events/ and
data/ cannot drift apart. Run it from the repository root:

    python -m ledger.data.published_data          # rewrite the generated files in events/
    python -m ledger.data.published_data --check  # exit 1 if they differ from data/
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ledger.data.icb_records import icb_allocation_files
from ledger.data.limits_data import revenue_limit_records
from ledger.data.lineage_data import area_team_2015_records, icb_records
from ledger.data.lineage_data import merger_records as later_merger_records
from ledger.writing.jsonlines import dump_line

ESTABLISHED = "2013-04-01"  # CCGs, area teams and regions took up their duties

FIRST_FILE = "ccg_allocations_2013_14_to_2015_16.csv"
LATER_FILE = "ccg_allocations_2016_17_to_2019_20.csv"
# Each year of CCG allocations, where it is and when it became known.
ALLOCATION_YEARS: dict[str, dict[str, str]] = {
    "2013-14": {
        "effective": "2013-09-30",
        "period": "M6",
        "as_at": "2013-09-30",
        "reason": "month-6 restated baseline: the 2013-14 allocation as it stood at 30 "
        "September 2013, after in-year adjustments; published 18 December 2013",
    },
    "2014-15": {
        "as_at": "2013-12-18",
        "reason": "2014-15 allocation announced with the two-year allocations of 18 December 2013",
    },
    "2015-16": {
        "as_at": "2014-12-31",
        "reason": "revised 2015-16 allocation published in December 2014 (day not known)",
    },
}
for _year in ("2016-17", "2017-18", "2018-19", "2019-20"):
    ALLOCATION_YEARS[_year] = {
        "file": LATER_FILE,
        "source": "data-ccg-allocations-2016",
        "as_at": f"{_year[:4]}-04-01",
        "reason": f"{_year} allocation; issued before the year began (the day is not in the "
        "data, so the year's first day is used)",
    }

# Newcastle Gateshead CCG (13T) was formed from three CCGs on 1 April 2015.
MERGED_CCG = "13T"
PREDECESSORS = ("00F", "00G", "00H")
MERGER_EFFECTIVE = "2015-04-01"


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """CSV rows with the file line they stand on (the header is line 1)."""
    with path.open(newline="", encoding="utf-8") as lines:
        yield from enumerate(csv.DictReader(lines), start=2)


def _registered(code: str, as_at: str, source: str, line: int, **fields: Any) -> dict[str, Any]:
    record = {"id": code, "kind": "organisation", **{k: v for k, v in fields.items() if v}}
    return record | {"as_at": as_at, "source": source, "locator": f"line {line}"}


def region_records(data: Path) -> list[dict[str, Any]]:
    return [
        _registered(
            row["region_ods_code"],
            ESTABLISHED,
            "data-regions-2013",
            line,
            name=row["region_name"],
            type="region",
            opened=ESTABLISHED,
            ons_code=row["region_ons_code"],
        )
        for line, row in _rows(data / "nhs_england_regions_2013.csv")
    ]


def area_team_records(data: Path) -> list[dict[str, Any]]:
    return [
        _registered(
            row["area_team_ods_code"],
            ESTABLISHED,
            "data-area-teams-2013",
            line,
            name=row["area_team_name"],
            type="area-team",
            region=row["region_ods_code"],
            opened=ESTABLISHED,
            ons_code=row["area_team_ons_code"],
        )
        for line, row in _rows(data / "nhs_england_area_teams_2013.csv")
    ]


def ccg_records(data: Path) -> list[dict[str, Any]]:
    return [
        _registered(
            row["ccg_ods_code"],
            ESTABLISHED,
            "data-ccgs-2013",
            line,
            name=row["ccg_name"],
            type="ccg",
            parent="ccg-sector",
            area_team=row["area_team_ods_code"],
            region=row["region_ods_code"],
            opened=ESTABLISHED,
            ons_code=row["ccg_ons_code"],
        )
        for line, row in _rows(data / "ccgs_2013.csv")
    ]


def merger_records(data: Path) -> list[dict[str, Any]]:
    """13T's registration, the closure of its three predecessors, and the merger."""
    rows = {
        row["org_ods_code"]: (line, row)
        for line, row in _rows(data / "ods_ccg_and_hub_records_2016_02.csv")
    }
    line, successor = rows[MERGED_CCG]
    decided = successor["open_date"]
    records = [
        _registered(
            MERGED_CCG,
            decided,
            "data-ods-ccgs-2016",
            line,
            name="NHS Newcastle Gateshead CCG",
            type="ccg",
            parent="ccg-sector",
            region=successor["national_grouping_ods_code"],
            opened=decided,
        )
    ]
    for code in PREDECESSORS:
        closed_line, row = rows[code]
        records.append(
            {
                "id": f"{code}-closed",
                "kind": "closure",
                "organisation": code,
                "effective": row["close_date"],
                "as_at": decided,
                "source": "data-ods-ccgs-2016",
                "locator": f"line {closed_line}",
                "reason": f"merged into {MERGED_CCG}",
            }
        )
    records.append(
        {
            "id": f"{MERGED_CCG}-merger",
            "kind": "merger",
            "organisation": MERGED_CCG,
            "predecessors": list(PREDECESSORS),
            "effective": MERGER_EFFECTIVE,
            "as_at": decided,
            "source": "data-ods-ccgs-2016",
            "locator": f"line {line}",
            "reason": "Gateshead, Newcastle North and East, and Newcastle West CCGs merged",
        }
    )
    return records


def allocation_records(data: Path, financial_year: str) -> list[dict[str, Any]]:
    """Each CCG's programme allocation for one year (the file gives £ thousands)."""
    known = ALLOCATION_YEARS[financial_year]
    records = []
    for line, row in _rows(data / known.get("file", FIRST_FILE)):
        if row["financial_year"] != financial_year:
            continue
        record: dict[str, Any] = {
            "id": f"alloc-{financial_year}-{row['ccg_ods_code']}",
            "kind": "allocation",
            "account": row["ccg_ods_code"],
            "financial_year": financial_year,
        }
        record.update({key: known[key] for key in ("period", "effective") if key in known})
        record["amount"] = f"{int(row['allocation_gbp_000']):,}k"
        record.update(
            as_at=known["as_at"],
            source=known.get("source", "data-ccg-allocations"),
            locator=f"line {line}",
            reason=known["reason"],
        )
        records.append(record)
    return records


# The day the generator's errata of its earlier output were recorded (issue 17).
ERRATA_RECORDED = "2026-11-28"


def allocation_known_date_errata(data: Path) -> list[dict[str, Any]]:
    """The 2013-14 allocations were written as known on 30 September 2013, the date they
    are about; NHS England published them on 18 December 2013 (report 7b52a89851598ea9
    says that in November CCGs' final budgets were still unpublished)."""
    return [
        {
            "id": f"erratum-{record['id']}-known",
            "kind": "erratum",
            "fixes": record["id"],
            "recorded": ERRATA_RECORDED,
            "set": {"as_at": "2013-12-18"},
            "reason": "known on 18 December 2013, when NHS England published the month-6 "
            "restated baselines, not on 30 September 2013, the date they are about",
            "source": "7b52a89851598ea9",
            "locator": "para 10",
        }
        for record in allocation_records(data, "2013-14")
    ]


def generated_files(data: Path) -> dict[str, list[dict[str, Any]]]:
    """Path under events/ -> the records that file holds."""
    files = {
        "organisations/regions-2013.jsonl": region_records(data),
        "organisations/area-teams-2013.jsonl": area_team_records(data),
        "organisations/ccgs-2013.jsonl": ccg_records(data),
        "organisations/newcastle-gateshead-2015.jsonl": merger_records(data),
        "organisations/area-teams-2015.jsonl": area_team_2015_records(data),
        "organisations/mergers-2017-2021.jsonl": later_merger_records(data),
        "organisations/icbs-2022.jsonl": icb_records(data),
        "national/revenue-limits.jsonl": revenue_limit_records(data),
    }
    for year in ALLOCATION_YEARS:
        files[f"{year}/ccg-allocations.jsonl"] = allocation_records(data, year)
    files |= icb_allocation_files(data)
    # Errata of what the generator wrote before: new files, never a rewrite.
    files["errata/2026-11-28-allocations-2013-14-known-date.jsonl"] = allocation_known_date_errata(
        data
    )
    return files


def file_text(records: list[dict[str, Any]]) -> str:
    return "".join(dump_line(record) + "\n" for record in records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--events", type=Path, default=Path("events"))
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for name, records in generated_files(args.data).items():
        path = args.events / name
        text = file_text(records)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(records)} records)")
    for name in stale:
        print(f"{args.events / name} differs from what data/ gives", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
