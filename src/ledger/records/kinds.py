"""The kinds of record, by name: what the command line needs to know without loading
the record models (records.models checks that the two agree)."""

KINDS = (
    "source",
    "organisation",
    "closure",
    "merger",
    "split",
    "membership",
    "baseline",
    "allocation",
    "transfer",
    "plan",
    "forecast",
    "drawdown",
    "qipp",
    "figure",
    "correction",
    "erratum",
)
