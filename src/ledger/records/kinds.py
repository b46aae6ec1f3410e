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

# What an allocation may pay for, from the ICB era (records.fields checks its Literal
# agrees): named here so the command line can offer them without loading pydantic.
SERVICES = (
    "core",
    "primary-medical-care",
    "other-primary-care",
    "pod",
    "specialised",
    "running-costs",
)
