"""``shown_percent(value)``: a recorded percentage as the views show it.

A percentage read from a spreadsheet is a binary fraction whose last digits are noise
(4.369999999999985 for 4.37). The views (qipp, audit, specialised-delegation) show it
to 12 decimal places, trailing zeros and a trailing '.' dropped; what else prints a
recorded percentage (the log) shows it the same way, by asking SQLite the views' own
expression, so the two never differ in the last place. The record keeps its digits.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from functools import cache

# As projections/qipp.sql, audit.sql and specialised-delegation.sql write it.
SHOWN_PERCENT_SQL = """
    SELECT CASE WHEN ROUND(:percent, 12) <> 0
                THEN rtrim(rtrim(printf('%.12f', :percent), '0'), '.')
                WHEN :percent IS NOT NULL THEN '0' END
"""

_LOCK = threading.Lock()
# A percentage as records hold it (see parse_percent): plain decimal text.
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@cache
def _connection() -> sqlite3.Connection:
    return sqlite3.connect(":memory:", check_same_thread=False)


def shown_percent(value: object) -> str:
    """``4.369999999999985`` -> ``4.37``; ``-0.24273030682278483`` -> ``-0.242730306823``;
    anything else (a hand-made store's) as it is written."""
    text = str(value)
    if not _DECIMAL.fullmatch(text):
        return text
    return _shown(text)


@cache
def _shown(text: str) -> str:
    with _LOCK:
        (shown,) = _connection().execute(SHOWN_PERCENT_SQL, {"percent": text}).fetchone()
    return str(shown) if shown is not None else text
