"""``ledger sources``: the documents the ledger cites, and how many records cite each."""

from __future__ import annotations

import click

from ledger.cli.common import Settings, caught_up_views, format_option, pass_settings, show_rows

# Every record's (source, record) once, from each table that keeps what a record cites.
_CITED = """
SELECT source, COUNT(DISTINCT record) AS records FROM (
    SELECT source, record_id AS record FROM postings
    UNION ALL SELECT source, 'organisation ' || code FROM organisations
    UNION ALL SELECT source, record_id FROM memberships
    UNION ALL SELECT source, record_id FROM closures
    UNION ALL SELECT source, record_id FROM lineage
    UNION ALL SELECT source, 'baseline ' || name FROM baselines
) WHERE source IS NOT NULL GROUP BY source
"""

_LISTED = ("id", "published", "records", "title", "publisher", "dated_by")
_IN_FULL = (*_LISTED, "covers", "licence", "attribution", "url")


@click.command("sources")
@click.argument("source_id", metavar="[ID]", required=False)
@format_option
@pass_settings
def sources(settings: Settings, source_id: str | None, fmt: str) -> None:
    """List the sources the ledger cites: each one's id, title, publisher, the date it
    was published and how that date was found (dated_by), and how many records cite it.
    With an ID, that source alone, in full (what it covers, its licence and address).

    ledger sources

    ledger sources 2ed371ee3bf9cfd1
    """
    from ledger.views.projections import run

    path = caught_up_views(settings)
    listed = run(path, "SELECT * FROM sources ORDER BY published, id")
    cited = {row["source"]: row["records"] for row in run(path, _CITED)}
    rows = [{**row, "records": cited.get(row["id"], 0)} for row in listed]
    if source_id is None:
        show_rows(rows, fmt, _LISTED, title="sources")
        return
    found = [row for row in rows if row["id"] == source_id]
    if not found:
        near = [row["id"] for row in rows if source_id.lower() in row["id"].lower()]
        hint = f"; ids containing it: {', '.join(near[:10])}" if near else ""
        raise click.ClickException(
            f"no source with id {source_id!r}{hint} (`ledger sources` lists them)"
        )
    show_rows(found, fmt, _IN_FULL, title="source")
