"""`ledger demo generate`: a synthetic history for trying the ledger at scale."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import world, write_jsonl

from ledger.cli import main
from ledger.data.synthetic import (
    DENSEST,
    Ccg,
    changes_per_ccg_month,
    records_per_year,
    synthetic_history,
    years_before,
)

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
def ledger(tmp_path: Path) -> Callable[..., Result]:
    """The CLI on a SQLite store and views database that hold events/, as the generator
    expects: its transfers name the specialised commissioning budget."""
    store, views = str(tmp_path / "ledger.db"), str(tmp_path / "views.db")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["--store", store, "--views", views, *args])

    assert invoke("import", str(REPOSITORY / "events")).exit_code == 0
    return invoke


def generated(ledger: Callable[..., Result], path: Path, events: int, seed: int) -> Result:
    return ledger("demo", "generate", "--events", str(events), "--seed", str(seed), "-o", str(path))


def test_a_generated_history_is_labelled_synthetic_and_imports_cleanly(ledger, tmp_path):
    path = tmp_path / "synthetic.jsonl"
    result = generated(ledger, path, 10_000, seed=1)
    assert result.exit_code == 0, result.output
    assert result.stderr == "Wrote 10,000 synthetic records over 211 CCGs.\n"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == 10_000
    source, *facts = records
    assert (source["id"], source["kind"]) == ("synthetic-1", "source")
    assert "synthetic" in source["covers"]
    assert all(
        fact["id"].startswith("syn-1-") and fact["source"] == "synthetic-1" for fact in facts
    )
    kinds = Counter(fact["kind"] for fact in facts)
    for kind in ("allocation", "transfer", "plan", "forecast", "drawdown", "correction"):
        assert kinds[kind] > 0, kinds

    imported = ledger("import", str(path))
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("Recorded 10,000 new records from 1 file; 0 already")
    assert ledger("check").exit_code == 0


def test_the_same_seed_gives_the_same_history_and_another_seed_another(ledger, tmp_path):
    for name, seed in [("first", 7), ("again", 7), ("other", 8)]:
        assert generated(ledger, tmp_path / f"{name}.jsonl", 500, seed).exit_code == 0
    first = (tmp_path / "first.jsonl").read_bytes()
    assert (tmp_path / "again.jsonl").read_bytes() == first
    assert (tmp_path / "other.jsonl").read_bytes() != first


def test_histories_of_two_seeds_import_into_one_store(ledger, tmp_path):
    for seed in (1, 2):
        path = tmp_path / f"seed-{seed}.jsonl"
        assert generated(ledger, path, 2_000, seed).exit_code == 0
        imported = ledger("import", str(path))
        assert imported.exit_code == 0, imported.output
        assert imported.output.startswith("Recorded 2,000 new records from 1 file; 0 already")
    assert ledger("check").exit_code == 0


def test_a_history_that_would_run_past_today_is_refused_before_a_file_is_written(ledger, tmp_path):
    path = tmp_path / "synthetic.jsonl"
    path.write_text("an earlier file\n")
    result = generated(ledger, path, 20_000_000, seed=1)
    assert result.exit_code == 1
    years = years_before(date.today())
    room = 1 + len(years) * records_per_year(211, DENSEST)
    assert result.stderr == (
        f"Error: 20,000,000 events would run past today; ask for at most {room:,} "
        f"(the years 2013-14 to {years[-1]} over 211 CCGs)\n"
    )
    assert path.read_text() == "an earlier file\n"


def test_the_history_fills_every_year_up_to_today_and_no_further():
    ccgs = [Ccg("06H", "Q56"), Ccg("05Q", "Q56")]
    years = years_before(date.today())
    room = 1 + len(years) * records_per_year(len(ccgs), 40)
    history = list(synthetic_history(ccgs, room, seed=1))
    assert len(history) == room
    assert (
        sorted({record["financial_year"] for record in history if "financial_year" in record})
        == years
    )
    densest = 1 + len(years) * records_per_year(len(ccgs), DENSEST)
    with pytest.raises(ValueError, match="would run past today"):
        next(synthetic_history(ccgs, densest + 1, seed=1))


def test_a_longer_history_is_packed_more_densely_into_the_same_years():
    years = len(years_before(date.today()))
    usual = 1 + years * records_per_year(211, 40)
    assert changes_per_ccg_month(211, 1_000_000, years) == 40  # as it always was
    assert changes_per_ccg_month(211, usual, years) == 40
    denser = changes_per_ccg_month(211, 10_000_000, years)
    assert 40 < denser <= DENSEST
    assert 1 + years * records_per_year(211, denser) >= 10_000_000
    assert 1 + years * records_per_year(211, denser - 1) < 10_000_000
    ccgs = [Ccg("06H", "Q56"), Ccg("05Q", "Q56")]
    packed = list(synthetic_history(ccgs, 1 + years * records_per_year(2, 40) + 1, seed=1))
    assert packed[-1]["financial_year"] == years_before(date.today())[-1]


def test_the_years_of_history_end_with_the_last_whose_month_12_is_known():
    assert years_before(date(2014, 4, 29)) == []
    assert years_before(date(2014, 4, 30)) == ["2013-14"]
    assert years_before(date(2016, 5, 1)) == ["2013-14", "2014-15", "2015-16"]


def test_a_store_without_ccgs_has_nothing_to_generate_over(tmp_path):
    store, views = str(tmp_path / "ledger.db"), str(tmp_path / "views.db")
    sector = [record for record in world() if record.get("type") != "ccg"]
    runner = CliRunner()
    prefix = ["--store", store, "--views", views]
    imported = runner.invoke(
        main, [*prefix, "import", str(write_jsonl(tmp_path / "w.jsonl", sector))]
    )
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "synthetic.jsonl"
    result = runner.invoke(main, [*prefix, "demo", "generate", "--events", "10", "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr == "Error: the store has no CCGs: import events/ first\n"
    assert not out.exists()
