"""``ledger sources``: the documents the ledger cites, and how many records cite each."""

from __future__ import annotations

from collections import Counter

import click

from ledger.cli.common import Settings, caught_up_views, format_option, pass_settings, show_rows
from ledger.cli.values import stripped

_LISTED = ("id", "published", "records", "title", "publisher", "dated_by")
_IN_FULL = (*_LISTED, "covers", "licence", "attribution", "url")


@click.command("sources")
@click.argument("source_id", type=stripped, metavar="[ID]", required=False)
@format_option
@pass_settings
def sources(settings: Settings, source_id: str | None, fmt: str) -> None:
    """List the sources the ledger cites: each one's id, title, publisher, the date it
    was published and how that date was found (dated_by), and how many records cite it.
    With an ID, that source alone, in full (what it covers, its licence and address).
    records counts every stored record that names the source, corrections and errata
    included.

    \b
        ledger sources
        ledger sources 2ed371ee3bf9cfd1
    """
    from ledger.store.application import EventStore
    from ledger.views.projections import run

    path = caught_up_views(settings)  # the sources as their errata leave them
    listed = run(path, "SELECT * FROM sources ORDER BY published, id")
    with EventStore(settings.store, must_exist=True) as ledger:
        cited = Counter(stored.fields.get("source") for stored in ledger.stored_records())
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
