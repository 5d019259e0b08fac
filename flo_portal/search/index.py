"""Keeping the index current: one session hook and one set-based statement per kind.

After every flush, the documents of the indexed objects it inserted, changed or deleted
are replaced (delete, then ``INSERT ... SELECT`` from the object's table), so a row is
indexed from what is stored, by the same SQL ``rebuild`` runs for every row.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from flo_portal.core.clock import now
from flo_portal.search.kinds import BY_MODEL, KINDS, Kind
from flo_portal.search.models import SearchDocument

_CHUNK = 500


def _select_documents(kind: Kind, ids=None):
    m = kind.model
    stmt = sa.select(
        sa.literal(kind.name),
        m.id,
        sa.func.substr(kind.title(m), 1, 300),
        kind.body(m),
        sa.literal(now(), SearchDocument.__table__.c.updated_at.type),
    )
    return stmt if ids is None else stmt.where(m.id.in_(ids))


def _insert(kind: Kind, ids=None):
    cols = ["kind", "object_id", "title", "body", "updated_at"]
    return sa.insert(SearchDocument).from_select(cols, _select_documents(kind, ids))


def _delete(kind: Kind, ids=None):
    stmt = sa.delete(SearchDocument).where(SearchDocument.kind == kind.name)
    return stmt if ids is None else stmt.where(SearchDocument.object_id.in_(ids))


def reindex(conn, kind: Kind, ids) -> None:
    """Replace the documents of ``ids`` (those deleted are only removed)."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        conn.execute(_delete(kind, chunk))
        conn.execute(_insert(kind, chunk))


def rebuild(conn) -> dict[str, int]:
    """Rebuild every document, one DELETE and one INSERT ... SELECT per kind."""
    counts = {}
    for kind in KINDS:
        conn.execute(_delete(kind))
        conn.execute(_insert(kind))
        counts[kind.name] = conn.scalar(
            sa.select(sa.func.count()).where(SearchDocument.kind == kind.name)
        )
    return counts


def _changed(session: Session) -> dict[Kind, set[int]]:
    out: dict[Kind, set[int]] = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        kind = BY_MODEL.get(type(obj))
        if kind is None or getattr(obj, "id", None) is None:
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        out.setdefault(kind, set()).add(obj.id)
    return out


@event.listens_for(Session, "after_flush")
def _index_flushed(session: Session, flush_context) -> None:
    changed = _changed(session)
    if not changed:
        return
    conn = session.connection()
    for kind, ids in changed.items():
        reindex(conn, kind, ids)
