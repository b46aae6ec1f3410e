"""Strategies for hostile histories: import files holding records of every kind, over a
small world of sources and organisations, so that records often name each other, name
themselves, or name what is not there.

Most records are drawn as a careful user would write them, so that a fair share of
batches is accepted; some are then spoiled as a hostile user would spoil them: a field
given an extreme, a malformed or a wrong-typed value, a field dropped or added, a line
that is not a record at all. The fields come from the record models, so a field added to
a model is spoiled too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from ledger.records.fields import COMPONENT_KINDS
from ledger.records.models import MODELS
from ledger.records.money import LARGEST_PENCE, format_pounds
from ledger.records.periods import financial_year_of, first_day, last_day, period_end

TODAY = date.today()
SOURCES = ("src-a", "src-b")
# The world's organisations, each after those it names, and where each usually sits:
# type, parent, area team, region.
ORGANISATIONS: dict[str, tuple[str, str | None, str | None, str | None]] = {
    "commissioning-system": ("sector", None, None, None),
    "ccg-sector": ("sector", "commissioning-system", None, None),
    "specialised-commissioning": ("budget", "commissioning-system", None, None),
    "Y55": ("region", None, None, None),
    "Q56": ("area-team", None, None, "Y55"),
    "06H": ("ccg", "ccg-sector", "Q56", "Y55"),
    "05Q": ("ccg", "ccg-sector", "Q56", "Y55"),
    "13T": ("ccg", "ccg-sector", "Q56", "Y55"),
}
CODES = tuple(ORGANISATIONS)
CCGS = tuple(code for code, (kind, *_) in ORGANISATIONS.items() if kind == "ccg")
# Codes no world record registers, unless a later record does.
STRANGERS = ("99X", "Q99", "06h")
YEARS = ("2013-14", "2014-15")
EXTREME_YEARS = ("1948-49", "2099-00", financial_year_of(TODAY))
MEASURES = (
    "ccgs-forecasting-deficit",
    "ccgs-forecasting-planned-deficit",
    "ccgs-forecasting-unplanned-deficit",
    "net-transfers-in",
    "spending-limit",
    "qipp-shortfall-percent",
    "reported-total",
)
TYPES = ("ccg", "area-team", "region", "commissioner", "budget", "sector")
MONTHS = tuple(f"M{month}" for month in range(1, 13))
BASELINES = ("september-2013", "march-2015")


def days(first: date, last: date) -> st.SearchStrategy[date]:
    return st.integers(0, (last - first).days).map(lambda n: first + timedelta(days=n))


# When the world's documents were published, and when the facts citing them became known.
PUBLISHED = days(date(2012, 1, 1), date(2013, 3, 31))
REGISTERED = date(2013, 4, 1)
KNOWN = days(REGISTERED, date(2016, 6, 30))

# Hostile values, by what a field holds. Each mixes values the ledger should accept
# (extremes, other spellings) with values it must refuse.
JUNK: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=4,
)
TEXTS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "line one\nline two",
            "tab\there",
            "\x1b[2J\x1b[31mred",
            "\x1b]8;;https://example.invalid\x07click\x1b]8;;\x07",
            '=HYPERLINK("https://example.invalid","x")',
            "+1+1",
            "@SUM(A1:A9)",
            "\u202eright to left",
            "nul\x00byte",
            "lone \ud800 surrogate",
            "'; DROP TABLE postings; --",
            "x" * 2000,
            "x" * 2001,
        ]
    ),
    st.text(max_size=12),
    st.text(st.characters(codec=None, categories=["Cc", "Cf", "Cs", "Zl", "Zp"]), max_size=4),
)
DATES = st.one_of(
    st.sampled_from(
        [
            "1948-04-01",
            "0001-01-01",
            "9999-12-31",
            "2999-01-01",
            "2016-02-29",
            "2013-02-29",
            "2013-9-30",
            "20130930",
            " 2013-09-30 ",
            "2013-09-30T12:00",
            "30/09/2013",
            "",
            20130930,
        ]
    ),
    st.sampled_from([TODAY, TODAY + timedelta(days=1), TODAY - timedelta(days=1)]).map(
        date.isoformat
    ),
    days(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
)
CODES_HOSTILE = st.one_of(
    st.sampled_from(CODES + STRANGERS + SOURCES),
    st.sampled_from([" 06H ", "06H\n", "bad code", "", "-x", "x" * 61, "０６H", 6]),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}", fullmatch=True),
)
IDS_HOSTILE = st.one_of(
    st.sampled_from(CODES + SOURCES + BASELINES + ("r0", "r1", "r2")),
    st.sampled_from(["", "bad id", " r1 ", "r1\n", "a" * 201, "../etc", "r:1/2+3", 7]),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:/+-]{0,199}", fullmatch=True),
)
YEARS_HOSTILE = st.sampled_from(
    [
        "1948-49",
        "2099-00",
        "1947-48",
        "2100-01",
        "2013/14",
        "2013-2014",
        " 2013-14 ",
        "2013-15",
        "13-14",
        2013,
        f"{TODAY.year}-{(TODAY.year + 1) % 100:02d}",
        f"{TODAY.year + 1}-{(TODAY.year + 2) % 100:02d}",
    ]
)
PERIODS_HOSTILE = st.sampled_from(["M0", "M13", "m6", "6", 6, "month 12", "M-1", "M６", ""])
AMOUNTS = st.one_of(
    st.sampled_from(
        [
            "10000bn",
            "-10000bn",
            "10000.00000001bn",
            "£9,999,999,999,999.99",
            "1.000000000000000000000000000001",
            "0.001",
            "£0.01",
            "£８.６m",
            "٨",
            "−2m",
            "- 2m",
            "--2m",
            "1e6",
            "NaN",
            "Infinity",
            "1,00,000",
            "",
            8.6,
            True,
            0,
            10**13,
            10**13 + 1,
            -(10**13),
            10**30,
        ]
    ),
    st.integers(-(10**14), 10**14),
)
PENCE = st.one_of(
    st.sampled_from(
        [LARGEST_PENCE, -LARGEST_PENCE, LARGEST_PENCE + 1, 2**63, 2**64, 0, 1, -1, "500", 1.0]
    ),
    st.integers(-(2**65), 2**65),
)
COUNTS = st.one_of(
    st.sampled_from([0, 2**62, 2**63 - 1, 2**63, 2**64, -1, 1.5, True, "3"]),
    st.integers(0, 2**65),
)
PERCENTS = st.one_of(
    st.sampled_from(["12.9%", "1e3", "-0", "abc", "0." + "0" * 40 + "1", "9" * 400, 10**30]),
    st.floats(),
)
LISTS_OF_CODES = st.one_of(
    st.lists(st.sampled_from(CODES + STRANGERS), max_size=4),
    st.just([]),
    JUNK,
)


def _component_lists(ids: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """Components that repeat, subtract, or name what is not there."""
    named = st.sampled_from(ids + ("nowhere",)).flatmap(
        lambda record_id: st.sampled_from([record_id, f"-{record_id}"])
    )
    return st.one_of(st.lists(named, max_size=4), JUNK)


def hostile_values(name: str, ids: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """What a hostile user might put in the field ``name``."""
    by_field: dict[str, st.SearchStrategy[Any]] = {
        "id": IDS_HOSTILE | st.sampled_from(ids),
        "kind": st.sampled_from([*MODELS, "budget-line", "Allocation", ""]),
        "source": IDS_HOSTILE,
        "corrects": st.sampled_from(ids) | IDS_HOSTILE,
        "predecessors": LISTS_OF_CODES,
        "components": _component_lists(ids),
        "type": st.sampled_from([*TYPES, "CCG", "trust", ""]),
        "financial_year": YEARS_HOSTILE,
        "period": PERIODS_HOSTILE,
        "amount": AMOUNTS,
        "tolerance": AMOUNTS,
        "amount_pence": PENCE,
        "tolerance_pence": PENCE,
        "count": COUNTS,
        "tolerance_count": COUNTS,
        "percent": PERCENTS,
        "measure": st.sampled_from([*MEASURES, "plan", "shortfall", "Not A Slug", "x" * 81]),
        "unit": st.sampled_from(["gbp", "count", "percent", "GBP", "pounds"]),
        "action": st.sampled_from(["reverse", "replace", "delete", ""]),
        "deficit": st.sampled_from(["planned", "unplanned", "maybe"]),
        "components_complete": st.sampled_from([True, False, "false", 0]),
        "sum_of_members": st.sampled_from([True, False, "true", 1]),
    }
    dates = ("as_at", "published", "opened", "effective", "known")
    codes = ("account", "from", "to", "against", "organisation", "parent", "area_team")
    texts = ("title", "publisher", "dated_by", "covers", "licence", "attribution", "url")
    if name in dates:
        return DATES
    if name in codes or name in ("region", "ons_code"):
        return CODES_HOSTILE
    if name in texts or name in ("name", "locator", "reason", "description"):
        return TEXTS
    return by_field.get(name, JUNK) | JUNK


def model_fields(kind: str) -> list[str]:
    """Every field a kind of record takes, as written in files."""
    model = MODELS.get(kind)
    if model is None:
        return ["id", "kind"]
    return [info.alias or name for name, info in model.model_fields.items()]


@st.composite
def spoiled(draw: st.DrawFn, record: dict[str, Any], ids: tuple[str, ...]) -> dict[str, Any]:
    """The record with one to three fields changed, dropped or added, as a hostile user
    (or a careless one) would."""
    record = dict(record)
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["change", "change", "drop", "add unknown"]))
        if how == "drop" and record:
            del record[draw(st.sampled_from(sorted(record)))]
        elif how == "add unknown":
            record[draw(st.sampled_from(["colour", "Amount", "id ", ""]))] = draw(JUNK)
        else:
            name = draw(st.sampled_from(model_fields(str(record.get("kind")))))
            record[name] = draw(hostile_values(name, ids))
    return record


def one_in(n: int) -> st.SearchStrategy[bool]:
    """True about one time in ``n``; shrinks to False."""
    return st.integers(0, n - 1).map(lambda drawn: drawn == n - 1)


@st.composite
def text(draw: st.DrawFn, prefix: str) -> Any:
    """Text as people write it (``table 3``), or now and then as a hostile user would."""
    if draw(one_in(25)):
        return draw(TEXTS)
    return draw(st.sampled_from([f"{prefix} {n}" for n in range(1, 10)]))


@st.composite
def pence(draw: st.DrawFn, rule: str | None) -> int:
    """An amount that keeps a kind's rule: whole millions of pounds, or now and then the
    smallest or the largest the ledger takes."""
    if draw(one_in(6)):
        size = draw(st.sampled_from([LARGEST_PENCE, 1, LARGEST_PENCE - 1]))
    else:
        size = draw(st.integers(0 if rule == "not-negative" else 1, 50)) * 100_000_000
    negative = rule in (None, "any", "nonzero") and draw(st.booleans())
    return -size if negative else size


@st.composite
def amount(draw: st.DrawFn, value: int) -> dict[str, Any]:
    """An amount of ``value`` pence in one of the spellings people use."""
    spelling = draw(st.sampled_from(["pence", "pounds", "millions", "£"]))
    if spelling == "millions" and value % 100_000_000 == 0:
        return {"amount": f"{value // 100_000_000}m"}
    if spelling == "pounds" and value % 100 == 0:
        return {"amount": value // 100}
    if spelling == "£":
        return {"amount": format_pounds(value)}
    return {"amount_pence": value}


@st.composite
def count(draw: st.DrawFn) -> int:
    """A count, now and then one near or past the largest 64-bit integer."""
    if draw(one_in(6)):
        return draw(st.sampled_from([2**62, 2**63 - 1, 2**63, 10**20]))
    return draw(st.integers(0, 30))


def _rule(kind: str) -> str | None:
    return getattr(MODELS.get(kind), "amount_rule", "any")


@dataclass
class _Drawing:
    """What later records of a history may name: the ids, sources, organisations and
    mergers recorded so far, and the id, kind, unit and known date of every record a
    correction or a figure may name."""

    ids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    facts: list[tuple[str, str, str, date]] = field(default_factory=list)
    mergers: list[tuple[str, list[str]]] = field(default_factory=list)

    def some_codes(self, least: int = 1) -> tuple[str, ...]:
        """Codes to draw from: those registered, if there are enough."""
        return tuple(self.codes) if len(self.codes) >= least else CODES

    def some_sources(self) -> tuple[str, ...]:
        return tuple(self.sources) or SOURCES


@st.composite
def _cited(draw: st.DrawFn, as_at: date, drawing: _Drawing) -> dict[str, Any]:
    fields = {
        "as_at": as_at.isoformat(),
        "source": draw(st.sampled_from(drawing.some_sources())),
        "locator": draw(text("table")),
    }
    if draw(st.booleans()):
        fields["reason"] = draw(text("reason"))
    return fields


@st.composite
def _source(draw: st.DrawFn, record_id: str) -> dict[str, Any]:
    record = {
        "id": record_id,
        "kind": "source",
        "title": draw(text("Board paper")),
        "publisher": draw(st.sampled_from(["NHS England", "A CCG"])),
        "published": draw(PUBLISHED).isoformat(),
        "dated_by": "date of the meeting",
        "covers": draw(st.sampled_from(YEARS)),
    }
    for optional in ("licence", "attribution", "url"):
        if draw(st.booleans()):
            record[optional] = draw(text(optional))
    return record


@st.composite
def _organisation(draw: st.DrawFn, code: str, as_at: date, drawing: _Drawing) -> dict[str, Any]:
    """An organisation under those registered before it; now and then one of its
    parents is any organisation of the world: itself, one under it, one left out."""
    kind, *usual = ORGANISATIONS.get(code, ("ccg", "ccg-sector", "Q56", "Y55"))
    name = draw(text(f"Organisation {code}"))
    record = {"id": code, "kind": "organisation", "name": name, "type": kind}
    odd = draw(st.sampled_from(["parent", "area_team", "region"])) if draw(one_in(8)) else None
    for field_name, named in zip(("parent", "area_team", "region"), usual, strict=True):
        if field_name == odd:
            record[field_name] = draw(st.sampled_from((code, *CODES)))
        elif named in drawing.codes:
            record[field_name] = named
    if draw(one_in(3)):
        record["opened"] = draw(st.sampled_from(["2013-04-01", "2002-10-01"]))
    drawing.codes.append(code)
    return record | draw(_cited(as_at, drawing))


@st.composite
def _year_fields(draw: st.DrawFn, kind: str, as_at: date, drawing: _Drawing) -> dict[str, Any]:
    """financial_year, period and effective, and an as_at no earlier than the period's end;
    now and then the first or the last year the ledger takes, or this one, or known today."""
    year = draw(st.sampled_from(EXTREME_YEARS if draw(one_in(8)) else YEARS))
    fields: dict[str, Any] = {"financial_year": year}
    if kind == "forecast" or draw(st.booleans()):
        fields["period"] = draw(st.sampled_from(MONTHS))
        if kind in ("forecast", "qipp", "figure"):
            as_at = max(as_at, period_end(year, fields["period"]))
    elif draw(one_in(4)):
        day = draw(st.sampled_from([first_day(year), last_day(year), date(int(year[:4]), 9, 30)]))
        fields["effective"] = day.isoformat()
    if draw(one_in(10)):
        as_at = max(as_at, TODAY)
    return fields | draw(_cited(as_at, drawing))


@st.composite
def _money_record(
    draw: st.DrawFn, kind: str, record_id: str, as_at: date, drawing: _Drawing
) -> dict[str, Any]:
    record: dict[str, Any] = {"id": record_id, "kind": kind}
    if kind == "transfer":
        giver, taker = draw(
            st.lists(st.sampled_from(drawing.some_codes(2)), min_size=2, max_size=2, unique=True)
        )
        record |= {"from": giver, "to": taker}
    else:
        record["account"] = draw(st.sampled_from(drawing.some_codes()))
    if kind == "qipp":
        record["measure"] = draw(st.sampled_from(["plan", "shortfall"]))
    if kind == "drawdown" and draw(st.booleans()):
        record["against"] = draw(st.sampled_from(drawing.some_codes()))
    value = draw(pence(_rule(kind)))
    record |= draw(amount(value))
    if kind == "forecast" and value < 0 and draw(st.booleans()):
        record["deficit"] = draw(st.sampled_from(["planned", "unplanned"]))
    return record | draw(_year_fields(kind, as_at, drawing))


@st.composite
def _figure(
    draw: st.DrawFn, record_id: str, as_at: date, drawing: _Drawing
) -> tuple[dict[str, Any], str]:
    """A reported figure: an amount, a count or a percent, perhaps adding up earlier
    records of its unit (some subtracted, some twice, now and then itself) or its
    members' figures, within a tolerance."""
    unit = draw(st.sampled_from(["gbp", "gbp", "count", "percent"]))
    record: dict[str, Any] = {
        "id": record_id,
        "kind": "figure",
        "account": draw(st.sampled_from(drawing.some_codes())),
        "measure": draw(st.sampled_from(MEASURES)),
    }
    if unit == "gbp":
        record |= draw(amount(draw(pence("any"))))
    elif unit == "count":
        record["count"] = draw(count())
    else:
        record["percent"] = draw(st.sampled_from(["12.9", "0", "100", 7]))
    if unit != "percent":
        parts = [
            fact[0] for fact in drawing.facts if fact[2] == unit and fact[1] in COMPONENT_KINDS
        ]
        if draw(one_in(8)):
            parts.append(record_id)  # itself
        if parts and not draw(one_in(3)):
            chosen = draw(st.lists(st.sampled_from(parts), min_size=1, max_size=3))
            record["components"] = [draw(st.sampled_from([part, f"-{part}"])) for part in chosen]
            if draw(st.booleans()):
                record["components_complete"] = False
        elif draw(one_in(4)):
            record["sum_of_members"] = True
        if ("components" in record or "sum_of_members" in record) and draw(st.booleans()):
            tolerance = "tolerance" if unit == "gbp" else "tolerance_count"
            record[tolerance] = draw(st.sampled_from(["£1m", "0"] if unit == "gbp" else [0, 2]))
    return record | draw(_year_fields("figure", as_at, drawing)), unit


@st.composite
def _correction(
    draw: st.DrawFn, record_id: str, as_at: date, drawing: _Drawing
) -> dict[str, Any] | None:
    """A reversal of an earlier record, or a new value for it in its unit; now and then
    of any record at all: a source, an organisation, a correction, itself."""
    if drawing.facts and not draw(one_in(5)):
        target, kind, unit, known = draw(st.sampled_from(drawing.facts))
    else:
        target = draw(st.sampled_from([*drawing.ids, record_id]))
        kind, unit, known = "any", draw(st.sampled_from(["gbp", "count", "percent"])), as_at
    record: dict[str, Any] = {"id": record_id, "kind": "correction", "corrects": target}
    if draw(st.booleans()):
        record["action"] = "reverse"
    elif unit == "gbp":
        record |= {"action": "replace"} | draw(amount(draw(pence(_rule(kind)))))
    else:
        value = draw(count()) if unit == "count" else "5.5"
        record |= {"action": "replace", unit: value}
    record["reason"] = draw(text("erratum"))
    return record | draw(_cited(max(as_at, known), drawing))


@st.composite
def _closure(draw: st.DrawFn, record_id: str, as_at: date, drawing: _Drawing) -> dict[str, Any]:
    return {
        "id": record_id,
        "kind": "closure",
        "organisation": draw(st.sampled_from(drawing.some_codes())),
        "effective": draw(
            st.sampled_from(["2015-03-31", "2015-03-31", "2014-03-31", "2013-03-31"])
        ),
    } | draw(_cited(as_at, drawing))


@st.composite
def _merger(draw: st.DrawFn, record_id: str, as_at: date, drawing: _Drawing) -> dict[str, Any]:
    """Organisations merged into another; now and then the other way round from an
    earlier merger, which makes a cycle."""
    if drawing.mergers and draw(one_in(2)):
        earlier, predecessors = draw(st.sampled_from(drawing.mergers))
        into, predecessors = predecessors[0], [earlier]
    else:
        into, *predecessors = draw(
            st.lists(st.sampled_from(drawing.some_codes(2)), min_size=2, max_size=4, unique=True)
        )
    drawing.mergers.append((into, predecessors))
    return {
        "id": record_id,
        "kind": "merger",
        "organisation": into,
        "predecessors": predecessors,
        "effective": draw(st.sampled_from(["2015-04-01", "2014-04-01"])),
    } | draw(_cited(as_at, drawing))


@st.composite
def _baseline(draw: st.DrawFn, as_at: date, drawing: _Drawing) -> dict[str, Any]:
    name = draw(st.sampled_from(BASELINES))
    year = "2013-14" if name == "september-2013" else "2014-15"
    effective = f"{year[:4]}-09-30"
    return {
        "id": name,
        "kind": "baseline",
        "financial_year": year,
        "effective": effective,
        "known": draw(st.sampled_from([effective, "2015-06-30"])),
        "description": draw(text("figures as they stood at")),
    } | draw(_cited(as_at, drawing))


@st.composite
def _fact(draw: st.DrawFn, number: int, drawing: _Drawing) -> dict[str, Any] | None:
    """One record of any kind, as a careful user would write it."""
    kind = draw(st.sampled_from(list(MODELS)))
    record_id = f"r{number}"
    as_at = draw(KNOWN)
    # Now and then a source or an organisation comes again, with other content.
    again = draw(one_in(5))
    if kind == "source":
        return draw(_source(draw(st.sampled_from(SOURCES)) if again else "src-late"))
    if kind == "organisation":
        code = draw(st.sampled_from(CODES if again else STRANGERS))
        return draw(_organisation(code, as_at, drawing))
    if kind in ("closure", "merger", "correction"):
        maker = {"closure": _closure, "merger": _merger, "correction": _correction}[kind]
        return draw(maker(record_id, as_at, drawing))
    if kind == "baseline":
        return draw(_baseline(as_at, drawing))
    if kind == "figure":
        record, unit = draw(_figure(record_id, as_at, drawing))
    else:
        record, unit = draw(_money_record(kind, record_id, as_at, drawing)), "gbp"
    drawing.facts.append((record_id, kind, unit, date.fromisoformat(record["as_at"])))
    return record


@dataclass(frozen=True)
class Flood:
    """``copies`` allocations of the largest amount to one account and year, with ids
    ``flood-1`` and on: sums that leave 64-bit integers unless the ledger stops them."""

    account: str
    source: str
    copies: int

    def lines(self) -> list[bytes]:
        return [
            json.dumps(
                {
                    "id": f"flood-{n}",
                    "kind": "allocation",
                    "account": self.account,
                    "financial_year": "2013-14",
                    "amount_pence": LARGEST_PENCE,
                    "as_at": "2013-04-01",
                    "source": self.source,
                    "locator": f"row {n}",
                }
            ).encode()
            for n in range(1, self.copies + 1)
        ]


# Lines that are not records at all.
RAW_LINES = [
    b"null",
    b"",
    b"   ",
    b"[]",
    b"{}",
    b"42",
    b'"a record"',
    b'{"id": "r-broken", "kind": "plan"',
    b"[" * 1100 + b"]" * 1100,
    b'{"a":' * 1100 + b"1" + b"}" * 1100,
    b"\xff\xfe not utf-8",
    b"\xef\xbb\xbf{}",
    b'{"id": "r-dup", "kind": "source", "kind" : "plan"}',
    b"{\x00}",
]

Line = dict[str, Any] | bytes | Flood


@st.composite
def _lines(draw: st.DrawFn) -> list[Line]:
    """Some of the world (sources, then organisations), then facts of every kind; a few
    records spoiled, a few lines not records at all, now and then all of it shuffled."""
    drawing = _Drawing()
    records: list[dict[str, Any]] = []
    for source_id in SOURCES:
        if draw(st.integers(0, 5)):  # shrinks to leaving it out
            records.append(draw(_source(source_id)))
            drawing.sources.append(source_id)
    for code in CODES:
        if draw(st.integers(0, 3)):
            records.append(draw(_organisation(code, REGISTERED, drawing)))
    for number in range(draw(st.integers(0, 10))):
        drawing.ids = [str(record["id"]) for record in records]
        record = draw(_fact(number, drawing))
        if record is not None:
            records.append(record)
    ids = tuple(str(record["id"]) for record in records) or ("r0",)
    lines: list[Line] = []
    for record in records:
        lines.append(draw(spoiled(record, ids)) if draw(one_in(25)) else record)
        if draw(one_in(50)):
            lines.append(draw(st.sampled_from(RAW_LINES)))
    if draw(one_in(25)):
        account = draw(st.sampled_from([c for c in CCGS if c in drawing.codes] or CCGS))
        copies = draw(st.sampled_from([2, 9300]))
        lines.append(Flood(account, drawing.some_sources()[0], copies))
    if draw(one_in(8)):
        lines = draw(st.permutations(lines))
    return lines


@dataclass(frozen=True)
class History:
    """Import files to import one after another into one store."""

    batches: list[list[Line]]
    ascii_only: bool  # write non-ASCII text as \\u escapes

    def content(self, batch: list[Line]) -> bytes:
        out = []
        for line in batch:
            if isinstance(line, Flood):
                out += line.lines()
            elif isinstance(line, bytes):
                out.append(line)
            else:
                text = json.dumps(line, ensure_ascii=self.ascii_only)
                out.append(text.encode("utf-8", "surrogatepass"))
        return b"".join(line + b"\n" for line in out)


@st.composite
def histories(draw: st.DrawFn) -> History:
    """A history cut into one to four import files; now and then a file comes again."""
    lines = draw(_lines())
    cuts = draw(st.lists(st.integers(1, max(1, len(lines) - 1)), max_size=3, unique=True))
    bounds = [0, *sorted(cut for cut in cuts if cut < len(lines)), len(lines)]
    batches = [lines[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]
    if draw(one_in(5)):
        batches.append(draw(st.sampled_from(batches)))
    return History(batches=batches, ascii_only=draw(st.booleans()))
