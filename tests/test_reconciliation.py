"""Reported totals against their components: reconciled, within tolerance, a residual
shown, components missing, or parts only partly itemised."""

from factories import correction, figure, organisation, plan, world, write_jsonl
from stores import append, caught_up_view, new_store

YEAR = {"financial_year": "2014-15", "as_at": "2014-07-11"}
SYSTEM = [
    *world(),
    organisation("system", type="sector"),
    organisation("SPEC-L", type="budget", parent="SPEC"),
]
PARTS = [
    plan("plan-spec-london", account="SPEC-L", amount="-£65m", **YEAR),
    figure("ccg-gap", "financial-gap", account="ccg-sector", amount="£74m", **YEAR),
]


def overspend(**changes):
    fields = {
        "account": "system",
        "amount": "£137m",
        "components": ["-plan-spec-london", "ccg-gap"],
    }
    return figure("overspend", "planned-overspend", **{**YEAR, **fields, **changes})


def reconciliation(tmp_path, ledger, **params):
    return caught_up_view(ledger, tmp_path / "views.db", "reconciliation", year="2014-15", **params)


def test_a_residual_between_a_total_and_its_parts_is_shown(tmp_path):
    ledger = new_store(tmp_path / "ledger.db", [*SYSTEM, *PARTS, overspend()])
    [row] = reconciliation(tmp_path, ledger)
    assert (row["reported_pence"], row["components_pence"], row["residual_pence"]) == (
        13_700_000_000,
        13_900_000_000,
        -200_000_000,
    )
    assert (row["parts"], row["status"]) == ("2 of 2", "unexplained residual")


def test_a_stated_tolerance_accepts_the_residual_but_still_shows_it(tmp_path):
    ledger = new_store(tmp_path / "ledger.db", [*SYSTEM, *PARTS, overspend(tolerance="£2m")])
    [row] = reconciliation(tmp_path, ledger)
    assert (row["residual_pence"], row["tolerance_pence"], row["status"]) == (
        -200_000_000,
        200_000_000,
        "within tolerance",
    )


def test_counts_reconcile_exactly_and_partial_breakdowns_say_so(tmp_path):
    count = {"financial_year": "2013-14", "period": "M6", "as_at": "2013-11-15"}
    ledger = new_store(
        tmp_path / "ledger.db",
        [
            *world(),
            figure("unplanned", "ccgs-forecasting-unplanned-deficit", count=16, **count),
            figure("planned", "ccgs-forecasting-planned-deficit", count=8, **count),
            figure(
                "all",
                "ccgs-forecasting-deficit",
                count=24,
                components=["unplanned", "planned"],
                **count,
            ),
            figure("south", "unplanned-in-south", count=3, **count),
            figure("north", "unplanned-in-north", count=2, **count),
            figure(
                "by-region",
                "ccgs-forecasting-unplanned-deficit-by-region",
                count=16,
                components=["south", "north"],
                components_complete=False,
                **count,
            ),
        ],
    )
    rows = caught_up_view(ledger, tmp_path / "views.db", "reconciliation", year="2013-14")
    assert [
        (r["figure"], r["reported_count"], r["components_count"], r["residual_count"], r["status"])
        for r in rows
    ] == [
        ("all", 24, 24, 0, "reconciled"),
        ("by-region", 16, 5, 11, "parts not all itemised"),
    ]


def test_a_component_reversed_or_not_yet_known_is_missing(tmp_path):
    ledger = new_store(tmp_path / "ledger.db", [*SYSTEM, *PARTS, overspend()])
    append(ledger, [correction("drop-gap", "ccg-gap", as_at="2014-08-01")])
    [before] = reconciliation(tmp_path, ledger, as_at="2014-07-31")
    [after] = reconciliation(tmp_path, ledger, as_at="2014-08-31")
    assert (before["status"], before["parts"]) == ("unexplained residual", "2 of 2")
    assert (after["status"], after["parts"]) == ("components missing", "1 of 2")


def test_a_figure_can_equal_the_sum_of_its_members(tmp_path):
    limits = {"financial_year": "2014-15", "as_at": "2013-12-18"}
    ledger = new_store(
        tmp_path / "ledger.db",
        [
            *(record for record in world() if record["id"] != "ccg-sector"),
            organisation("ccg-sector", type="sector", parent="system"),
            organisation("system", type="sector"),
            organisation("direct", type="sector", parent="system"),
            figure("limit-ccg", "spending-limit", account="ccg-sector", amount="£65bn", **limits),
            figure("limit-direct", "spending-limit", account="direct", amount="£32.3bn", **limits),
            figure(
                "limit",
                "spending-limit",
                account="system",
                amount="£97.3bn",
                sum_of_members=True,
                **limits,
            ),
        ],
    )
    [row] = reconciliation(tmp_path, ledger)
    assert (row["figure"], row["components_pence"], row["status"]) == (
        "limit",
        9_730_000_000_000,
        "reconciled",
    )


def test_components_must_be_recorded_first_and_in_the_same_unit(run, tmp_path):
    path = write_jsonl(
        tmp_path / "figures.jsonl",
        [
            *SYSTEM,
            overspend(components=["ccg-gap", "nowhere"]),
            *PARTS,
            figure("counted", "ccgs", count=3, components=["ccg-gap"], **YEAR),
        ],
    )
    result = run("import", str(path))
    assert result.stderr.splitlines()[:3] == [
        f"{path}:8: components: 'ccg-gap' must be recorded before the figure that names it",
        f"{path}:8: components: no record 'nowhere' recorded before this figure",
        f"{path}:11: components: 'ccg-gap' is in gbp, the figure in count",
    ]
