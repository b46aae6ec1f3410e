"""Each kind of record is a pydantic model; parsing normalises and explains problems."""

from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
from factories import allocation, correction, forecast, transfer

from ledger.records import fields as record_fields
from ledger.records.models import RecordError, parse_record
from ledger.writing.jsonlines import RecordStream


def problems(data):
    with pytest.raises(RecordError) as raised:
        parse_record(data)
    return raised.value.problems


def test_an_allocation_is_normalised_to_pence_and_a_default_effective_date():
    record = parse_record(allocation(financial_year="2013/14"))
    assert record.normalised() == {
        "id": "alloc-06H",
        "kind": "allocation",
        "account": "06H",
        "financial_year": "2013-14",
        "effective": "2013-04-01",
        "amount_pence": 84_920_400_000,
        "as_at": "2013-09-30",
        "source": "board-paper-2013-11",
        "locator": "table 1",
    }


def test_two_spellings_of_one_fact_are_the_same_record():
    written_in_pounds = parse_record(allocation(amount="849204000"))
    written_in_pence = parse_record(allocation(amount=None, amount_pence=84_920_400_000))
    assert written_in_pounds.normalised() == written_in_pence.normalised()


def test_a_forecast_is_effective_at_the_end_of_its_month():
    assert parse_record(forecast()).normalised()["effective"] == "2013-09-30"


def test_a_transfer_keeps_from_and_to_as_written():
    fields = parse_record(transfer()).normalised()
    assert (fields["from"], fields["to"], fields["amount_pence"]) == ("05Q", "SPEC", 500_000_000)


def test_every_problem_of_a_record_is_reported():
    assert problems(forecast(period="M13", amount=8.6, as_at="2013-13-01", colour="red")) == [
        "as_at: '2013-13-01' is not a date (write dates like 2013-09-30)",
        "period: a month is written M1 to M12, got 'M13'",
        "amount: write amounts as text or whole pounds, not as a floating-point number "
        '(got 8.6; write "8.6" or "£8.6" to mean pounds)',
        "unknown field 'colour'",
    ]


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (
            {"id": "x"},
            "kind is missing (one of: source, organisation, closure, merger, split, membership, "
            "baseline, allocation, transfer, plan, forecast, drawdown, qipp, figure, correction, erratum)",
        ),
        (
            {"id": "x", "kind": "budget"},
            "unknown kind 'budget' (one of: source, organisation, closure, merger, split, "
            "membership, baseline, allocation, transfer, plan, forecast, drawdown, qipp, figure, correction, erratum)",
        ),
        (["not", "an", "object"], "a record is a JSON object, got an array"),
        (allocation(account=None), "account is missing"),
        (allocation(amount=None), "amount is missing"),
        (allocation(amount="0"), "amount must not be zero"),
        (allocation(amount="£1.001"), "amount: '£1.001' has a fraction of a penny"),
        (
            allocation(amount="5m", amount_pence=500_000_000),
            "give amount or amount_pence, not both",
        ),
        (allocation(id="has space"), "id: 'has space' is not a valid code or id"),
        (
            allocation(financial_year="2013-15"),
            "financial_year: '2013-15' is not a financial year: the year after 2013 is 2014",
        ),
        (
            allocation(effective="2014-04-01"),
            "effective date 2014-04-01 is outside financial year 2013-14",
        ),
        (allocation(as_at="2999-01-01"), "as_at 2999-01-01 is in the future"),
        (transfer(to="05Q"), "a transfer from 05Q to itself moves nothing"),
        (transfer(amount="-5m"), "amount must be more than zero, got -£5,000,000.00"),
        (transfer(amount="0"), "amount must be more than zero, got £0.00"),
        (
            forecast(as_at="2013-09-15"),
            "a forecast at M6 of 2013-14 cannot be known on "
            "2013-09-15, before the month ended on 2013-09-30",
        ),
        (forecast(period=None), "period is missing"),
        (
            correction("c1", "alloc-06H", action="replace"),
            "a replacement carries exactly one new amount, count or percent",
        ),
        (correction("c1", "alloc-06H", amount="5m"), "a reversal carries no new value"),
        (correction("c1", "alloc-06H", reason=None), "reason is missing"),
    ],
)
def test_a_bad_record_gets_a_clear_problem(record, problem):
    assert problem in problems(record)


def test_every_published_record_is_normalised_as_pydantic_dumps_it():
    """Records of text, whole numbers and dates are normalised off the model directly;
    the rest by pydantic. Either way, the same fields in the same order as pydantic's dump
    of every published record, and the same JSON."""
    events = Path(__file__).resolve().parent.parent / "events"
    read = [item.record for item in RecordStream([events], parallel=False)]
    assert len(read) == 12_867
    for record in read:
        dumped = record.model_dump(
            mode="json", by_alias=True, exclude_none=True, exclude={"amount", "tolerance"}
        )
        expected = {key: value for key, value in dumped.items() if value != []}
        normalised = record.normalised()
        assert normalised == expected
        assert orjson.dumps(normalised) == orjson.dumps(record._dumped())


def test_today_is_read_again_once_the_day_it_gave_has_ended(monkeypatch):
    yesterday = date.today() - timedelta(days=1)
    monkeypatch.setattr(record_fields, "_day", (yesterday, record_fields.time.time() + 60))
    assert record_fields.today() == yesterday  # the day it gave has not ended
    monkeypatch.setattr(record_fields, "_day", (yesterday, record_fields.time.time() - 1))
    assert record_fields.today() == date.today()
    assert record_fields._day[1] > record_fields.time.time()  # until the next midnight
