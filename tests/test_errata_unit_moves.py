"""An erratum that moves a figure to another unit must remove what belonged to the old
one: its value, its unit, a tolerance in it and, for a percent, what it added up. The
refusal said only "a figure has exactly one of amount, count or percent" (or "unit count
does not match the value given"); it now says which fields to unset, and doing so works."""

from __future__ import annotations

import json

import pytest
from factories import SOURCE_ID, figure, world, write_jsonl
from test_batch_guards import refused

FIGURES = [
    figure("deficits", "ccgs-forecasting-deficit", count=24),
    figure("deficits-summed", "ccgs-forecasting-deficit-summed", count=24, sum_of_members=True,
           tolerance_count=1),
    figure("overspend", "aggregate-overspend", amount="£137m"),
    figure("shortfall", "qipp-shortfall-percent", percent="12.9"),
]  # fmt: skip

MOVES = {  # (figure, set, unset given) -> what else to unset
    "count to amount": (("deficits", {"amount": "£5m"}, []), ["count", "unit"]),
    "count to amount, count unset": (("deficits", {"amount": "£5m"}, ["count"]), ["unit"]),
    "count to percent": (("deficits", {"percent": "5"}, []), ["count", "unit"]),
    "amount to count": (("overspend", {"count": 3}, []), ["amount_pence", "unit"]),
    "amount to percent": (("overspend", {"percent": "3"}, ["unit"]), ["amount_pence"]),
    "percent to count": (("shortfall", {"count": 3}, []), ["percent", "unit"]),
    "percent to amount, unit set": (
        ("shortfall", {"amount_pence": 300, "unit": "gbp"}, []), ["percent"]),
    "count with a tolerance to amount": (
        ("deficits-summed", {"amount": "£5m"}, []), ["count", "tolerance_count", "unit"]),
    "count added up to percent": (
        ("deficits-summed", {"percent": "5"}, []),
        ["count", "tolerance_count", "unit", "sum_of_members"]),
}  # fmt: skip
NAMES = {"amount": "an amount", "amount_pence": "an amount", "count": "a count",
         "percent": "a percent"}  # fmt: skip


def erratum(fixes, given, unset):
    return {"id": f"{fixes}-unit", "kind": "erratum", "fixes": fixes, "recorded": "2026-01-05",
            "set": given, **({"unset": unset} if unset else {}), "reason": "wrong unit",
            "source": SOURCE_ID, "locator": "note 1"}  # fmt: skip


def unit_of(fixes):
    record = next(record for record in FIGURES if record["id"] == fixes)
    return next(name for name in ("amount", "count", "percent") if name in record)


@pytest.mark.parametrize("where", ["stored", "same file, after", "same file, before"])
@pytest.mark.parametrize("move", MOVES)
def test_moving_a_figure_to_another_unit_says_what_to_unset(run, tmp_path, move, where):
    (fixes, given, unset), needed = MOVES[move]
    field = next(name for name in given if name != "unit")
    fix = erratum(fixes, given, unset)
    if where == "stored":
        assert (
            run("import", str(write_jsonl(tmp_path / "h.jsonl", [*world(), *FIGURES]))).exit_code
            == 0
        )
        lines, at = [fix], 1
    elif where == "same file, after":
        lines, at = [*world(), *FIGURES, fix], len(world()) + len(FIGURES) + 1
    else:
        lines, at = [fix, *world(), *FIGURES], 1
    path = write_jsonl(tmp_path / "errata.jsonl", lines)
    refused(run("import", str(path)),
            f"{path}:{at}: set: {field}: to make {fixes!r} {NAMES[field]} rather than "
            f"{NAMES[unit_of(fixes)]}, remove what belonged to {NAMES[unit_of(fixes)]} too: "
            f'add "unset": {json.dumps(needed)} (on the command line, '
            f"{' '.join(f'--unset {name}' for name in needed)})")  # fmt: skip
    # as the message says, so it is recorded
    fixed = erratum(fixes, given, [*unset, *needed])
    path = write_jsonl(tmp_path / "fixed.jsonl", [*lines[: at - 1], fixed, *lines[at:]])
    assert run("import", str(path)).exit_code == 0
    shown = run("log", "--kind", "figure", "--format", "json")
    assert len(json.loads(shown.stdout)) == len(FIGURES)


def test_record_erratum_says_so_too(run, tmp_path):
    assert (
        run("import", str(write_jsonl(tmp_path / "h.jsonl", [*world(), *FIGURES]))).exit_code == 0
    )
    typed = run("record", "erratum", "--fixes", "deficits", "--set", "amount=£5m",
                "--source", SOURCE_ID, "--locator", "note 1", "--reason", "wrong unit")  # fmt: skip
    refused(typed, "record erratum: --set: amount: to make 'deficits' an amount rather than a "
                   'count, remove what belonged to a count too: add "unset": ["count", "unit"] '
                   "(on the command line, --unset count --unset unit)")  # fmt: skip
    typed = run("record", "erratum", "--fixes", "deficits", "--set", "amount=£5m", "--unset",
                "count", "--unset", "unit", "--source", SOURCE_ID, "--locator", "note 1",
                "--reason", "wrong unit")  # fmt: skip
    assert typed.exit_code == 0, typed.output
