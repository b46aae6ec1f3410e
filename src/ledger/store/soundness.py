"""Whether the store is sound: its hash chain recomputed, the head it stores, and what
SQLite's integrity check finds wrong in a SQLite store's file."""

from __future__ import annotations

from ledger.store.damage import damaged
from ledger.store.hash_chain import HASHES_TABLE, LOST_HASHES, ChainDamage, ChainReport, verify
from ledger.store.reading import LogReader
from ledger.store.recorders import ChainedRecorder


class SoundnessReader(LogReader):
    """The reads that tell whether the store is sound."""

    def verify_chain(self) -> ChainReport:
        """Recompute the hash chain over the whole store (StoreDamagedError if it has none)."""
        return verify(self._hashed().chain_links())

    def head(self) -> tuple[int, str]:
        """The last position and its chained hash (0 and the genesis hash when empty);
        StoreDamagedError if the store has lost its table of hashes or the hash is damaged."""
        try:
            return self._hashed().head()
        except ChainDamage as damage:
            raise damaged(self.store, damage, "run: ledger check") from None

    def file_problems(self) -> list[str] | None:
        """What SQLite's integrity check finds wrong in the store's file (None for a
        server's store, which keeps its own files)."""
        return self._chained_recorder().file_problems()

    def _hashed(self) -> ChainedRecorder:
        """The recorder, once its table of hashes is known to be there."""
        recorder = self._chained_recorder()
        if recorder.holds_rows(HASHES_TABLE) is None:
            raise damaged(self.store, LOST_HASHES, "run: ledger check")
        return recorder
