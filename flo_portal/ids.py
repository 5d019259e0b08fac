"""Row ids from URLs and query strings, bounded to what the database can hold.

Ids are 32-bit integers in PostgreSQL; a larger number names no row, so it must be a
404 (path) or an ignored filter (query), never a database error. Only ASCII digits
count: ``"²".isdigit()`` is True but ``int("²")`` fails.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits up to MAX_ID, else no match (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(value: str | None) -> int:
    """An id from text; ValueError for anything else (so `request.args.get(type=parse_id)`
    gives None for junk)."""
    if value is None or not _DIGITS.fullmatch(value.strip()):
        raise ValueError("not an id")
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("id out of range")
    return number
