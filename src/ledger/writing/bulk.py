"""Bulk work: imports and replays build hundreds of thousands of objects that all stay
alive until the batch is done, so Python's cycle collector, which runs every few hundred
allocations and walks every object it tracks, would spend much of the time finding
nothing. It is paused for the batch; records hold no reference cycles, and memory is
freed as usual by reference counting."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_garbage_collection() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
