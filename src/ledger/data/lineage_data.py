"""Import records for organisations over time, from the ODS files in data/: the area teams
of April 2015, every CCG and commissioning hub merger of 2017-2021, and the move of July
2022 from CCGs to integrated care boards. published_data writes them to events/.

Dates: a merger's successor is registered on the day it opened, and the merger and the
closures of its predecessors are known on the day the merger took effect (the files give
no earlier announcement). Parents the files do not give are inferred and say so.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

AREA_TEAMS_2015 = "2015-04-01"  # the day NHS England's second set of area teams began
ICBS_OPENED = "2022-07-01"  # the day the CCGs' duties passed to integrated care boards
CCGS_CLOSED = "2022-06-30"
FIRST_WAVE = "2015-04-01"  # Newcastle Gateshead: recorded by hand-run generator in 2015

ODS_2016 = "data-ods-ccgs-2016"
ODS_2025 = "data-ods-ccgs-2025"
SUCCESSIONS = "data-ods-successions"
ICB_MOVE = "data-ccg-to-icb-2022"
HUB = "COMMISSIONING HUB"
# Words kept in lower case, or as written, when an ODS name in capitals is given its
# ordinary spelling.
_LOWER = {"and", "of", "on", "the", "upon", "with", "in", "under"}
_KEPT = {"NHS", "CCG", "ICB", "H&J", "II"}


def rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """CSV rows with the file line they stand on (the header is line 1)."""
    with path.open(newline="", encoding="utf-8") as lines:
        yield from enumerate(csv.DictReader(lines), start=2)


def ordinary_case(name: str) -> str:
    """An ODS name in capitals as it is usually written: 'NHS VALE OF YORK CCG' ->
    'NHS Vale of York CCG', 'STOKE-ON-TRENT' -> 'Stoke-on-Trent'."""
    words = []
    for position, word in enumerate(name.split()):
        if word in _KEPT:
            words.append(word)
            continue
        parts = word.lower().split("-")
        words.append(
            "-".join(
                part if (index or position) and part in _LOWER else part.capitalize()
                for index, part in enumerate(parts)
            )
        )
    return re.sub(r"\s+", " ", " ".join(words))


def _registration(code: str, day: str, source: str, line: int, **fields: Any) -> dict[str, Any]:
    """An organisation opened (and known) on ``day``; a ``reason`` says what was inferred."""
    reason = fields.pop("reason", None)
    record = {"id": code, "kind": "organisation", **fields, "opened": day, "as_at": day}
    record |= {"source": source, "locator": f"line {line}"}
    return record | ({"reason": reason} if reason else {})


# -- April 2015: the second set of area teams -------------------------------------------


def area_team_2015_records(data: Path) -> list[dict[str, Any]]:
    """The 11 area teams opened on 1 April 2015 (their hubs' records), the closure of the
    2013 area teams whose hubs closed the day before, and each open CCG's new parents."""
    ods = list(rows(data / "ods_ccg_and_hub_records_2016_02.csv"))
    hubs_2013 = {
        row["commissioning_hub_ods_code"]: row["area_team_ods_code"]
        for _, row in rows(data / "nhs_england_area_teams_2013.csv")
    }
    records = []
    for line, row in ods:
        if row["org_sub_type"] != "Commissioning hub" or row["open_date"] != AREA_TEAMS_2015:
            continue
        name = ordinary_case(row["org_name"].removesuffix(" " + HUB))
        records.append(
            _registration(
                row["high_level_health_geography_ods_code"],
                AREA_TEAMS_2015,
                ODS_2016,
                line,
                name=name,
                type="area-team",
                region=row["national_grouping_ods_code"],
                reason=f"the area team its commissioning hub {row['org_ods_code']} stands for; "
                "both opened on 1 April 2015",
            )  # fmt: skip
        )
    for line, row in ods:
        if row["org_ods_code"] in hubs_2013 and row["close_date"]:
            area_team = hubs_2013[row["org_ods_code"]]
            records.append(
                {
                    "id": f"{area_team}-closed",
                    "kind": "closure",
                    "organisation": area_team,
                    "effective": row["close_date"],
                    "as_at": AREA_TEAMS_2015,
                    "source": ODS_2016,
                    "locator": f"line {line}",
                    "reason": f"its commissioning hub {row['org_ods_code']} closed when the "
                    "area teams were reorganised on 1 April 2015",
                }
            )
    for line, row in ods:
        if row["org_sub_type"] != "CCG" or row["close_date"]:
            continue
        code = row["org_ods_code"]
        records.append(
            {
                "id": f"{code}-area-team-2015",
                "kind": "membership",
                "organisation": code,
                "effective": AREA_TEAMS_2015,
                "area_team": row["high_level_health_geography_ods_code"],
                "region": row["national_grouping_ods_code"],
                "name": ordinary_case(row["org_name"]),
                "as_at": AREA_TEAMS_2015,
                "source": ODS_2016,
                "locator": f"line {line}",
                "reason": "the area teams were reorganised on 1 April 2015; the ODS extract "
                "of February 2016 gives each open CCG's new area team",
            }
        )
    return records


# -- 2017 to 2021: the mergers ----------------------------------------------------------


def _parents_2016(data: Path) -> dict[str, tuple[str, str]]:
    """Each CCG's area team and region as the 2016 ODS extract gives them: the 2015 area
    team for those still open (Q70-Q82)."""
    return {
        row["org_ods_code"]: (
            row["high_level_health_geography_ods_code"],
            row["national_grouping_ods_code"],
        )
        for _, row in rows(data / "ods_ccg_and_hub_records_2016_02.csv")
        if row["org_sub_type"] == "CCG" and not row["close_date"]
    }


def _ccg_name(code: str, ods_name: str, short_names: dict[str, str]) -> str:
    """A CCG's name: ODS's own while it is a CCG name; for a code that is now a sub-ICB
    location, the short name the 2021 CCG list gives, as 'NHS <short name> CCG'."""
    if ods_name.endswith(" CCG"):
        return ordinary_case(ods_name)
    return f"NHS {short_names[code]} CCG"


def merger_records(data: Path) -> list[dict[str, Any]]:
    """From 2017: each successor's registration (unless it was registered before), the
    closure of each predecessor and one merger record per successor and date."""
    ods = {
        row["org_ods_code"]: (line, row)
        for line, row in rows(data / "ods_ccg_and_sub_icb_records_2025.csv")
    }
    short_names = {
        row["ccg21_code"]: row["ccg21_short_name"]
        for _, row in rows(data / "ccg_2021_to_icb_2022_by_registered_patients.csv")
    }
    parents = _parents_2016(data)
    successions = [
        (line, row)
        for line, row in rows(data / "ods_ccg_successions_2015_2021.csv")
        if row["effective_date"] > FIRST_WAVE
    ]
    registered = {row["ccg_ods_code"] for _, row in rows(data / "ccgs_2013.csv")} | set(parents)
    records: list[dict[str, Any]] = []
    key = lambda item: (item[1]["effective_date"], item[1]["successor_ods_code"])  # noqa: E731
    for (effective, successor), group in groupby(sorted(successions, key=key), key=key):
        links = list(group)
        codes = [row["predecessor_ods_code"] for _, row in links]
        is_hub = HUB in links[0][1]["successor_current_name"]
        for code in codes:
            if code not in registered and code not in parents:
                records.append(_registered_from_ods(code, ods, short_names, None, is_hub))
                registered.add(code)
        if successor not in registered:
            inherited = {parents.get(code) for code in codes}
            record = _registered_from_ods(successor, ods, short_names, inherited, is_hub)
            records.append(record)
            registered.add(successor)
            if not is_hub:
                parents[successor] = (record.get("area_team", ""), record.get("region", ""))
        for line, row in links:
            records.append(
                {
                    "id": f"{row['predecessor_ods_code']}-closed",
                    "kind": "closure",
                    "organisation": row["predecessor_ods_code"],
                    "effective": row["predecessor_close_date"],
                    "as_at": effective,
                    "source": SUCCESSIONS,
                    "locator": f"line {line}",
                    "reason": f"merged into {successor} on {effective}",
                }
            )
        lines = [line for line, _ in links]
        records.append(
            {
                "id": f"{successor}-merger-{effective[:4]}",
                "kind": "merger",
                "organisation": successor,
                "predecessors": codes,
                "effective": effective,
                "as_at": effective,
                "source": SUCCESSIONS,
                "locator": _lines(lines),
                "reason": f"{len(codes)} {'hubs' if is_hub else 'CCGs'} merged into {successor}",
            }
        )
    return records


def _lines(lines: list[int]) -> str:
    """'line 5' or 'lines 5-7' for consecutive lines, else 'lines 5, 9, 12'."""
    if len(lines) == 1:
        return f"line {lines[0]}"
    if lines == list(range(lines[0], lines[-1] + 1)):
        return f"lines {lines[0]}-{lines[-1]}"
    return "lines " + ", ".join(str(line) for line in lines)


def _registered_from_ods(
    code: str,
    ods: dict[str, tuple[int, dict[str, str]]],
    short_names: dict[str, str],
    inherited: set[tuple[str, str] | None] | None,
    is_hub: bool,
) -> dict[str, Any]:
    """An organisation the merger files name, registered from its 2025 ODS record. A
    successor CCG's parents are its predecessors' where they all agree."""
    line, row = ods[code]
    if is_hub:
        fields: dict[str, Any] = {"name": ordinary_case(row["org_current_name"]),
                                  "type": "commissioning-hub"}  # fmt: skip
        return _registration(code, row["open_date"], ODS_2025, line, **fields)
    fields = {"name": _ccg_name(code, row["org_current_name"], short_names), "type": "ccg",
              "parent": "ccg-sector"}  # fmt: skip
    known = [parent for parent in inherited or () if parent is not None]
    area_teams = {area_team for area_team, _ in known if area_team}
    regions = {region for _, region in known if region}
    notes = []
    if len(area_teams) == 1:
        fields["area_team"] = area_teams.pop()
        notes.append("area team")
    if len(regions) == 1:
        fields["region"] = regions.pop()
        notes.append("region")
    if notes:
        fields["reason"] = (
            f"{' and '.join(notes)} inferred: those of all its predecessors (no later "
            "area teams are in the data)"
        )
    return _registration(code, row["open_date"], ODS_2025, line, **fields)


# -- July 2022: integrated care boards --------------------------------------------------


def icb_records(data: Path) -> list[dict[str, Any]]:
    """The regions and ICBs of July 2022, the closure of the 106 CCGs, each ICB's merger
    of the CCGs wholly inside it, and the split of the four CCGs that straddle two."""
    move = list(rows(data / "ccg_2021_to_icb_2022_by_registered_patients.csv"))
    records: list[dict[str, Any]] = [
        {
            "id": "icb-sector",
            "kind": "organisation",
            "name": "All integrated care boards",
            "type": "sector",
            "parent": "commissioning-system",
            "opened": ICBS_OPENED,
            "as_at": ICBS_OPENED,
            "source": ICB_MOVE,
            "locator": f"lines 2-{move[-1][0]}",
        }
    ]
    first_line: dict[str, int] = {}
    for line, row in move:
        for code, name, kind in (
            (row["region22_code"], row["region22_name"], "region"),
            (row["icb22_code"], row["icb22_name"], "icb"),
        ):
            if code not in first_line and not (kind == "region" and code == "Y56"):
                first_line[code] = line
                fields: dict[str, Any] = {"name": name, "type": kind}
                if kind == "icb":
                    fields |= {"parent": "icb-sector", "region": row["region22_code"]}
                records.append(_registration(code, ICBS_OPENED, ICB_MOVE, line, **fields))
    by_ccg: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in move:
        by_ccg.setdefault(row["ccg21_code"], []).append((line, row))
    for code, parts in by_ccg.items():
        icbs = " and ".join(row["icb22_code"] for _, row in parts)
        records.append(
            {
                "id": f"{code}-closed",
                "kind": "closure",
                "organisation": code,
                "effective": CCGS_CLOSED,
                "as_at": ICBS_OPENED,
                "source": ICB_MOVE,
                "locator": _lines([line for line, _ in parts]),
                "reason": f"CCGs were abolished on {ICBS_OPENED}; its area passed to {icbs} "
                "and its code became a sub-ICB location",
            }
        )
    records += _icb_mergers(by_ccg)
    records += _splits(by_ccg)
    return records


def _icb_mergers(by_ccg: dict[str, list[tuple[int, dict[str, str]]]]) -> list[dict[str, Any]]:
    whole: dict[str, list[tuple[int, str]]] = {}
    for code, parts in by_ccg.items():
        if len(parts) == 1:
            line, row = parts[0]
            whole.setdefault(row["icb22_code"], []).append((line, code))
    return [
        {
            "id": f"{icb}-from-ccgs-2022",
            "kind": "merger",
            "organisation": icb,
            "predecessors": [code for _, code in ccgs],
            "effective": ICBS_OPENED,
            "as_at": ICBS_OPENED,
            "source": ICB_MOVE,
            "locator": _lines([line for line, _ in ccgs]),
            "reason": f"the CCGs wholly inside {icb} passed to it",
        }
        for icb, ccgs in whole.items()
    ]


def _splits(by_ccg: dict[str, list[tuple[int, dict[str, str]]]]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{code}-split-2022",
            "kind": "split",
            "organisation": code,
            "successors": [
                {"organisation": row["icb22_code"], "weight": int(row["gp_registered_patients"])}
                for _, row in parts
            ],
            "basis": "GP registered patients, 2022-23",
            "effective": ICBS_OPENED,
            "as_at": ICBS_OPENED,
            "source": ICB_MOVE,
            "locator": _lines([line for line, _ in parts]),
            "reason": "a CCG whose practices' patients went to two ICBs: its figures are "
            "apportioned by those patients",
        }
        for code, parts in by_ccg.items()
        if len(parts) > 1
    ]
