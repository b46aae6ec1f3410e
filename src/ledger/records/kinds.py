"""The kinds of record, by name: what the command line needs to know without loading
the record models (records.models checks that the two agree), and the measure each
kind's values count in."""

from typing import Any

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


def a_kind(kind: str) -> str:
    """A kind of record as a sentence names it: 'an organisation', 'a closure'."""
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"


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

# The measure a money record counts in, by kind; a QIPP record's is qipp-plan or
# qipp-shortfall, a reported figure names its own. Every one of these is in money.
MEASURE_OF_KIND = {
    "allocation": "allocation",
    "transfer": "allocation",
    "plan": "plan",
    "forecast": "forecast",
    "drawdown": "drawdown",
}
MONEY_MEASURES = (*sorted(set(MEASURE_OF_KIND.values())), "qipp-plan", "qipp-shortfall")


def measure_of(fields: dict[str, Any]) -> str:
    """The measure a record's value counts in (its fields as stored)."""
    kind = fields["kind"]
    if kind == "qipp":
        return f"qipp-{fields['measure']}"
    if kind == "figure":
        return str(fields["measure"])
    return MEASURE_OF_KIND[kind]
