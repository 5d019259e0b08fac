"""Row ids from URLs and query strings, bounded to what the database can hold.

Ids are 32-bit integers in PostgreSQL; a larger number names no row, so it must be a
404 (path) or an ignored filter (query), never a database error. Only ASCII digits
count: ``"²".isdigit()`` is True but ``int("²")`` fails.
"""

from __future__ import annotations

import re

from flask import abort, request

MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def refuse_out_of_range_ids() -> None:
    """before_request: a path id beyond MAX_ID names no row, so 404 (not a database error).

    Done here rather than with the converter's ``max=``: when two rules share a path
    with different methods, werkzeug reports a converter miss as 405.
    """
    if any(isinstance(v, int) and v > MAX_ID for v in (request.view_args or {}).values()):
        abort(404)


def parse_id(value: str | None) -> int:
    """An id from text; ValueError for anything else (so `request.args.get(type=parse_id)`
    gives None for junk)."""
    if value is None or not _DIGITS.fullmatch(value.strip()):
        raise ValueError("not an id")
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("id out of range")
    return number
