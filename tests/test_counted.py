"""What a record adds to the sums that keep money exact (records.counted): the absolute
value on each side it names, in its year; a correction's against every year."""

from ledger.records.counted import Counted, counted_if_valued, counted_of


def test_an_allocation_counts_its_amount_for_its_account_in_its_year():
    fields = {"id": "a", "kind": "allocation", "account": "06H", "financial_year": "2013-14",
              "amount_pence": -250}  # fmt: skip
    assert counted_of(fields) == Counted(False, 250, "2013-14", ("06H",))


def test_a_transfer_counts_its_amount_on_both_sides():
    fields = {"id": "t", "kind": "transfer", "from": "06H", "to": "Q56",
              "financial_year": "2014-15", "amount_pence": 900}  # fmt: skip
    assert counted_of(fields) == Counted(False, 900, "2014-15", ("06H", "Q56"))


def test_a_correction_counts_its_new_value_against_every_year():
    fields = {"id": "c", "kind": "correction", "corrects": "a", "amount_pence": 75}
    assert counted_of(fields) == Counted(True, 75, "", ())


def test_a_count_is_counted_as_an_amount_is():
    fields = {"id": "f", "kind": "figure", "account": "Y56", "financial_year": "2018-19",
              "count": 12}  # fmt: skip
    assert counted_if_valued(fields) == Counted(False, 12, "2018-19", ("Y56",))


def test_a_record_without_a_value_adds_nothing():
    assert counted_if_valued({"id": "s", "kind": "source", "title": "A paper"}) is None


def test_a_side_a_hand_edited_record_lacks_or_spoils_counts_for_nothing():
    lacking = {"id": "t", "kind": "transfer", "to": "Q56", "financial_year": "2014-15",
               "amount_pence": 900}  # fmt: skip
    spoilt = {"id": "a", "kind": "allocation", "account": 6, "financial_year": "2013-14",
              "amount_pence": 250}  # fmt: skip
    assert counted_of(lacking) == Counted(False, 900, "2014-15", ("Q56",))
    assert counted_of(spoilt) == Counted(False, 250, "2013-14", ())
    assert counted_of({"kind": "allocation", "amount_pence": 1.5}).value == 0
