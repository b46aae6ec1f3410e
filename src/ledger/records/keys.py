"""The key a record is stored under: a name-based UUID of its id, so that the store's own
rule of one aggregate per id is what keeps record ids unique. Worked out from the id
alone, it is made where the record is read (a large import's worker makes a million)."""

from __future__ import annotations

import functools
import hashlib
from uuid import UUID

# Fixed namespace for record ids: uuid5(RECORD_NAMESPACE, record id) is the aggregate id.
RECORD_NAMESPACE = UUID("6f1d3c2a-58b4-4e8e-9a51-2b7d0e4c9a11")


_NAMESPACE_BYTES = RECORD_NAMESPACE.bytes


def make_entry_key(record_id: str) -> str:
    """The aggregate id of the entry that holds record ``record_id``, as the 32 hex digits
    a store keeps: what ``uuid.uuid5(RECORD_NAMESPACE, record_id).hex`` gives, made
    directly from the SHA-1 digest, with no UUID object, because bulk imports make a
    million of them."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + record_id.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return digest.hex()


# An import looks each chunk's ids up, then appends them; where a record is read, its key
# is made once, with make_entry_key, rather than kept here.
entry_key = functools.lru_cache(maxsize=8192)(make_entry_key)
