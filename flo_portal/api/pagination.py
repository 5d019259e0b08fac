"""Keyset pagination on ``id`` with an opaque, signed cursor.

``paginate(select, id_column, limit, cursor)`` runs one query of ``limit + 1`` rows
after the cursor's id, so page N costs the same as page 1 and rows added meanwhile
are neither skipped nor repeated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from flo_portal.api.errors import validation_error
from flo_portal.api.schemas import Page
from flo_portal.audit.reads import audit_listing
from flo_portal.core.extensions import db

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="flo-portal:api-cursor")


def encode_cursor(last_id: int, kind: str) -> str:
    return _serializer().dumps({"a": last_id, "k": kind})


def decode_cursor(cursor: str | None, kind: str) -> int | None:
    """The id to continue after; 422 on a cursor that is forged or from another list."""
    if not cursor:
        return None
    try:
        data = _serializer().loads(cursor)
    except (BadSignature, UnicodeError, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("k") != kind or not isinstance(data.get("a"), int):
        raise validation_error({"cursor": ["Not a cursor this list gave out."]})
    return data["a"]


def paginate(stmt: sa.Select, id_column: Any, limit: int, cursor: str | None, kind: str):
    """(rows, next_cursor) for ``stmt`` ordered by ``id_column`` ascending."""
    after = decode_cursor(cursor, kind)
    if after is not None:
        stmt = stmt.where(id_column > after)
    rows = list(db.session.scalars(stmt.order_by(id_column).limit(limit + 1)).unique())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].id, kind)
    return rows, next_cursor


def where_given(stmt: sa.Select, *pairs: tuple[Any, Any]) -> sa.Select:
    """``stmt`` narrowed to ``column == value`` for each (column, value) given (not None)."""
    for column, value in pairs:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def listed_page(
    out: Any,
    stmt: sa.Select,
    id_column: Any,
    query: Any,
    kind: str,
    *,
    audit_as: str,
    values: Any,
    filters: dict | None = None,
    to_data: Callable[[list], list] | None = None,
):
    """One page of a list endpoint: keyset-paginated rows, the listing audited (its
    ``values`` named, never typed text), returned as ``Page[out]``.

    ``to_data`` turns the rows into the items (default: ``out.model_validate`` each)."""
    rows, next_cursor = paginate(stmt, id_column, query.limit, query.cursor, kind)
    logged = query.model_dump() if filters is None else filters
    audit_listing(audit_as, logged, len(rows), values=values, listing="api")
    data = to_data(rows) if to_data else [out.model_validate(r) for r in rows]
    return Page[out](data=data, next_cursor=next_cursor)
