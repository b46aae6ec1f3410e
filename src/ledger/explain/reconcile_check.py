"""The reconciliation check: every reported total adds up to the components it names,
within its tolerance, in every year that has figures to reconcile; and its components
are other figures in its unit (as import insists, of a new figure and of what an erratum
makes of one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger.explain.findings import Found
from ledger.records.money import format_in_unit
from ledger.views.projections import load_projections, run


def reported_figures_reconcile(views_path: str | Path) -> list[Found]:
    """Every reported total adds up to the components it names, within its tolerance."""
    failures: list[Found] = [
        (row["record"], row["message"], row["source"]) for row in run(views_path, _UNFIT)
    ]
    projection = load_projections()["reconciliation"]
    # The years with figures to reconcile (the view says a year without any is an error).
    years = [row["financial_year"] for row in run(
        views_path,
        "SELECT DISTINCT x.financial_year FROM reconciled_figures AS r"
        " CROSS JOIN postings AS x ON x.record_id = r.figure_id"
        " WHERE x.as_at <= date('now') ORDER BY 1",
    )]  # fmt: skip
    for year in years:
        for row in run(views_path, projection.sql, {"year": year, "as_at": None}):
            if row["status"] in ("unexplained residual", "components missing"):
                failures.append(_unreconciled(row, year))
    return failures


# Components that cannot add up to their figure: the figure itself, or one in another unit
# (each as it stands now, its errata applied).
_UNFIT = """
    SELECT DISTINCT c.figure_id AS record, f.source || ' ' || f.locator AS source,
           'components: ' || quote(c.component_id) || CASE
               WHEN c.component_id = c.figure_id
               THEN ' is this figure: a figure is not its own component'
               ELSE ' is in ' || p.unit || ', the figure in ' || f.unit
           END AS message
    FROM figure_components AS c
    JOIN postings AS f ON f.record_id = c.figure_id AND f.valid_to IS NULL
    JOIN postings AS p ON p.record_id = c.component_id AND p.valid_to IS NULL
    WHERE c.component_id = c.figure_id OR p.unit <> f.unit
    ORDER BY c.position, c.component_id
"""


def _unreconciled(row: dict[str, Any], year: str) -> Found:
    residual = row["residual_pence"] if row["unit"] == "gbp" else row["residual_count"]
    message = (
        f"{row['status']}: {row['measure']} of {row['account']} in {year}, "
        f"residual {format_in_unit(residual, row['unit'])}, {row['parts']} components known"
    )
    return row["figure"], message, f"{row['source']} {row['locator']}"
