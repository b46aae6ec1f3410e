"""Turning event state into stored bytes and back, with orjson.

The event state is a dict of JSON values (the record) plus the event's timestamp, a
datetime, which orjson writes as ISO text and this transcoder reads back as a datetime.
Stores written with the library's default JSONTranscoder read back too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from eventsourcing.persistence import Transcoder


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        state = orjson.loads(data)
        timestamp = state.get("timestamp") if isinstance(state, dict) else None
        if isinstance(timestamp, str):
            state["timestamp"] = _time(timestamp)
        elif isinstance(timestamp, dict) and timestamp.get("_type_") == "datetime_iso":
            state["timestamp"] = _time(timestamp["_data_"])
        return state


# The times read back, by their text: the events a batch appends share one timestamp, so
# a replay of a million events reads a few different ones (one datetime each, as a
# datetime cannot be changed), where parsing each took a quarter of a second.
_TIMES: dict[str, datetime] = {}
_MOST_TIMES = 10_000


def _time(text: str) -> datetime:
    """The datetime this ISO text stands for (ValueError if none)."""
    found = _TIMES.get(text)
    if found is None:
        if len(_TIMES) >= _MOST_TIMES:
            _TIMES.clear()
        found = _TIMES[text] = datetime.fromisoformat(text)
    return found
