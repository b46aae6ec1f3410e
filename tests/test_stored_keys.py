"""An import looks each record's id up in the store's index, until it has checked as many
records as the store held; then it reads the store's keys once and looks up only the ids
among them (issue 21). A record the store holds must still be found, however deep in a
large batch it comes."""

from __future__ import annotations

from factories import allocation, world, write_jsonl

from ledger.writing.importing import CHUNK

MANY = CHUNK + 500  # the last chunk is checked after the store's keys were read


def many_allocations() -> list[dict]:
    return [allocation(f"alloc-{n}", amount=f"£{n + 1}k") for n in range(MANY)]


def import_world(run, tmp_path):
    """Import the world and one allocation; return what the CLI printed."""
    result = run("import", str(write_jsonl(tmp_path / "world.jsonl", [*world(), allocation()])))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_stored_record_repeated_deep_in_a_large_batch_is_found(run, tmp_path):
    import_world(run, tmp_path)
    batch = write_jsonl(tmp_path / "batch.jsonl", [*many_allocations(), allocation()])
    imported = run("import", str(batch))
    assert imported.exit_code == 0, imported.output
    assert f"Recorded {MANY:,} new records from 1 file; 1 already recorded." in imported.output


def test_a_stored_id_used_again_deep_in_a_large_batch_is_refused(run, tmp_path):
    import_world(run, tmp_path)
    batch = write_jsonl(tmp_path / "batch.jsonl", [*many_allocations(), allocation(amount="£1k")])
    refused = run("import", str(batch))
    assert refused.exit_code != 0
    assert (
        f"{batch}:{MANY + 1}: id 'alloc-06H' is already recorded with different content "
        "(amount_pence: 84920400000 -> 100000)"
    ) in refused.output, refused.output
    assert "Recorded 0 new records from 1 file; 6 already recorded." in import_world(run, tmp_path)
