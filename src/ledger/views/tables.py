"""The tables of the views database: their columns, keys and indexes, the order a posting's
columns are written in, and the schema version that says when a views database made by
another version of the ledger must be rebuilt. projections/README.md describes them."""

from __future__ import annotations

from typing import Any

# Bump when the tables change: a views database of another version is rebuilt.
SCHEMA_VERSION = 12
# Written in the file's header (PRAGMA application_id), where it can be read even when
# the rest of the file is damaged: "LdgV".
APPLICATION_ID = 0x4C646756

# What specialised-net-change reads of a transfer, in the index it reads them from. It
# counts transfers by adding up is_earliest, one version of each record side, where it
# counted distinct record ids (a third of its time at ten million events).
_TRANSFER_COLUMNS = (
    "account", "measure", "financial_year", "as_at", "counterparty", "side", "delta_pence",
    "is_earliest", "kind",
)  # fmt: skip
# What drawdown reads of a drawdown.
_DRAWDOWN_COLUMNS = (
    "measure", "financial_year", "account", "counterparty", "as_at", "record_id",
    "delta_pence", "reason",
)  # fmt: skip
# The measures of an organisation's position (its plans and forecasts against limits, and
# the counts of those forecasting a deficit), and what deficit-forecasts and
# system-position read of them.
_POSITION_MEASURES = (
    "plan", "forecast", "spending-limit", "revenue-limit-outturn", "revenue-limit-plan",
    "ccgs-forecasting-deficit", "ccgs-forecasting-planned-deficit",
    "ccgs-forecasting-unplanned-deficit",
)  # fmt: skip
_POSITION_COLUMNS = (
    "measure", "financial_year", "account", "precedence", "as_at", "valid_to", "is_void",
    "unit", "amount_pence", "count", "period", "deficit", "record_id", "source", "locator",
)  # fmt: skip
# What qipp reads of the QIPP plans and shortfalls.
_QIPP_MEASURES = ("qipp-plan", "qipp-shortfall", "qipp-shortfall-percent")
_QIPP_COLUMNS = (
    "measure", "financial_year", "account", "precedence", "as_at", "valid_to", "is_void",
    "amount_pence", "percent", "period", "source", "locator",
)  # fmt: skip


def _any_of(measures: tuple[str, ...]) -> str:
    """A partial index's condition: equalities joined by OR, not IN, of which SQLite makes
    an index several times slower (8 s against 2 s at three million events). A view uses
    the index only if its WHERE holds this very expression (see deficit-forecasts.sql)."""
    return " OR ".join(f"measure = '{measure}'" for measure in measures)


TABLES: dict[str, dict[str, Any]] = {
    "postings": {
        "columns": {
            "posting_id": int,
            "record_id": str,
            "kind": str,
            "measure": str,
            "account": str,
            "counterparty": str,
            "side": str,
            "financial_year": str,
            "period": str,
            "effective": str,
            "precedence": str,
            "version": int,
            "as_at": str,
            "valid_to": str,
            "position": int,
            "is_void": int,
            # 1 on the version of a record side known first (by as_at, then position), 0
            # on the others: how many records some postings hold is a sum, not a count of
            # distinct record ids.
            "is_earliest": int,
            "unit": str,
            "amount_pence": int,
            "delta_pence": int,
            "count": int,
            "percent": str,
            "deficit": str,
            "correction_id": str,
            "reason": str,
            "source": str,
            "locator": str,
            "service": str,
            "step": str,  # the step of a baseline's construction an allocation is, if any
        },
        "pk": "posting_id",
        "not_null": {"record_id", "kind", "measure", "account", "financial_year", "as_at"},
        "indexes": [
            # The views read one measure of one year of the organisations they follow.
            # Sums of allocations come from allocation_days, so this index need not cover
            # them; kept narrow, it is quick to make at the end of a rebuild. (An index
            # led by the measure, for every organisation at once, was read by
            # reconciliation alone, which reads this one as quickly; it took 1.35 s of a
            # million-event rebuild to make, and 43 MB.)
            ("account", "measure", "financial_year"),
        ],
        # Indexes of some rows only: (name, columns, the rows' condition). Transfers, with
        # every column specialised-net-change reads: at ten million events a budget's
        # transfers of a year are some 100,000 postings scattered over the table, which
        # read through the index above took that view past 100 ms.
        # Drawdowns, positions and QIPP likewise, for drawdown, deficit-forecasts,
        # system-position and qipp: read through the index above, a year's postings of
        # them took the first three past 100 ms at ten million events, and qipp to 98 ms.
        # From these, at three million, the views take half to two thirds of the time
        # (32-40 ms to 18-20, 33-46 to 17, 25 to 11, 45-57 to 32-38), for about 5 s more
        # at the end of a rebuild. (At ten million, qipp took 113 ms in one run and 73 ms
        # in a later one on a faster machine.)
        # Reported figures, which specialised-delegation reads by kind, are a few in a
        # hundred postings: an index of them alone is quicker to make than one of every
        # posting's kind.
        "partial_indexes": [
            ("idx_postings_transfers", _TRANSFER_COLUMNS, "kind = 'transfer'"),
            ("idx_postings_drawdowns", _DRAWDOWN_COLUMNS, "measure = 'drawdown'"),
            ("idx_postings_positions", _POSITION_COLUMNS, _any_of(_POSITION_MEASURES)),
            ("idx_postings_qipp", _QIPP_COLUMNS, _any_of(_QIPP_MEASURES)),
            ("idx_postings_figures", ("kind", "financial_year"), "kind = 'figure'"),
        ],
        # Needed while catching up (a correction finds the versions of what it corrects),
        # so made with the table; a build from the start makes it once its postings are
        # in, before it applies every correction in one pass (projector.catch_up).
        "unique": [("record_id", "side", "version")],
    },
    # Allocation changes summed by account, year, the date they are about and the day they
    # became known: what ccg-budgets and baseline add up, far fewer rows than postings.
    "allocation_days": {
        "columns": {
            "account": str,
            "service": str,  # '' when the allocation names none (before the ICB era)
            "financial_year": str,
            "effective": str,
            "as_at": str,
            "delta_pence": int,
            "versions": int,
        },
        "pk": ("financial_year", "account", "service", "effective", "as_at"),
        # The rows that name a service (the ICB era), where national-position finds the
        # years a day may know only in part: a few hundred rows of tens of thousands.
        "partial_indexes": [
            ("idx_allocation_days_services", ("financial_year", "service"), "service <> ''"),
        ],
    },
    # For each kind, measure and year of the postings, the day the first of them became
    # known: where a view finds the years recorded by a date (known_years.py).
    "known_years": {
        "columns": {"kind": str, "measure": str, "financial_year": str, "first_known": str},
        "pk": ("kind", "measure", "financial_year"),
    },
    "organisations": {
        "columns": {
            "code": str,
            "name": str,
            "type": str,
            "parent": str,
            "area_team": str,
            "region": str,
            "opened": str,
            "ons_code": str,
            "as_at": str,
            "position": int,
            "source": str,
            "locator": str,
        },
        "pk": "code",
        "indexes": [("type",), ("parent",)],
    },
    "closures": {
        "columns": {
            "record_id": str,
            "organisation": str,
            "effective": str,
            "as_at": str,
            "position": int,
            "reason": str,
            "source": str,
            "locator": str,
        },
        "pk": "record_id",
        "indexes": [("organisation",)],
    },
    # An organisation's parents from a date: its registration's, then each membership.
    "memberships": {
        "columns": {
            "record_id": str,
            "organisation": str,
            "area_team": str,
            "region": str,
            "name": str,
            "effective": str,
            "as_at": str,
            "position": int,
            "source": str,
            "locator": str,
        },
        "pk": ("record_id", "organisation"),
        "indexes": [("organisation", "effective")],
    },
    # Mergers and splits: from ``effective`` a predecessor's figures are carried on to each
    # successor, the part weight / weight_total of them (1 / 1 for a merger). Parts are
    # cut at the running weights (weight_before, then weight_before + weight), so the
    # parts of a split add up to the whole to the penny.
    "lineage": {
        "columns": {
            "record_id": str,
            "kind": str,
            "predecessor": str,
            "successor": str,
            "effective": str,
            "weight_before": int,
            "weight": int,
            "weight_total": int,
            "basis": str,
            "as_at": str,
            "position": int,
            "reason": str,
            "source": str,
            "locator": str,
        },
        "pk": ("record_id", "predecessor", "successor"),
        "indexes": [("predecessor",), ("successor",)],
    },
    "sources": {
        "columns": {
            "id": str,
            "title": str,
            "publisher": str,
            "published": str,
            "dated_by": str,
            "covers": str,
            "licence": str,
            "attribution": str,
            "url": str,
            "position": int,
        },
        "pk": "id",
    },
    "baselines": {
        "columns": {
            "name": str,
            "financial_year": str,
            "effective": str,
            "known": str,
            "description": str,
            "as_at": str,
            "position": int,
            "source": str,
            "locator": str,
        },
        "pk": "name",
    },
    "figure_components": {
        "columns": {"figure_id": str, "component_id": str, "sign": int, "position": int},
        "pk": ("figure_id", "component_id"),
        "indexes": [("component_id",)],
    },
    "reconciled_figures": {
        "columns": {
            "figure_id": str,
            "rule": str,
            "complete": int,
            "tolerance": int,
            "position": int,
        },
        "pk": "figure_id",
    },
    # Errata: one row per field an erratum changes in the record it fixes (``before`` and
    # ``after`` as JSON text, or the text itself), or one row for a record withdrawn.
    "errata": {
        "columns": {
            "erratum_id": str,
            "fixes": str,
            "recorded": str,
            "field": str,
            "before": str,
            "after": str,
            "position": int,
            "reason": str,
            "source": str,
            "locator": str,
        },
        "pk": ("erratum_id", "field"),
        "indexes": [("fixes",)],
    },
    # Stored events the projector could not turn into rows (an old bug, a hand-edited
    # store): left out of every other table. An event stays outstanding until its latest
    # correction (by known date, then position: ``corrected``) reverses it (``reversed_by``).
    "unprojected": {
        "columns": {
            "position": int,
            "record_id": str,
            "reason": str,
            "reversed_by": str,
            "corrected": str,
        },
        "pk": "position",
        "indexes": [("record_id",)],
    },
}


TABLES_BY_NAME = {name: name for name in TABLES}  # table names are never taken from input

# The columns a posting is written with, in order (posting_id is assigned by SQLite).
POSTING_COLUMNS = tuple(name for name in TABLES["postings"]["columns"] if name != "posting_id")
