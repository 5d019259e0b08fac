"""The search index: one row per indexed object (kind, object id, title, body).

PostgreSQL matches a GIN index over the weighted ``tsvector`` of title and body
(``TSVECTOR_SQL``); SQLite an FTS5 table over this one (``search_fts``, external content,
kept in step by triggers). Both are created by migration 0020d, the FTS5 table only on
SQLite. The rows are written by ``search.index`` (on every flush, and ``flask search
rebuild``), never by hand.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow

# The document's weighted vector (title A, body B); queries repeat it so the index serves.
TSVECTOR_SQL = (
    "(setweight(to_tsvector('english'::regconfig, title::text), 'A'::\"char\")"
    " || setweight(to_tsvector('english'::regconfig, body), 'B'::\"char\"))"
)
FTS_TABLE = "search_fts"


class SearchDocument(db.Model):
    __tablename__ = "search_document"
    __table_args__ = (
        sa.UniqueConstraint("kind", "object_id", name="uq_search_document_kind_object"),
        sa.Index("ix_search_document_tsv", sa.text(TSVECTOR_SQL), postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


def is_index_table(name: str | None) -> bool:
    """The FTS5 table and its shadow tables (SQLite): not models, not compared."""
    return bool(name) and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))
