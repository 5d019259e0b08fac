"""The search index: one row per indexed object (kind, object id, title, body).

On PostgreSQL the table has one more column, ``tsv``: the weighted ``tsvector`` of title
and body (``TSVECTOR_SQL``), generated and stored by the database, with a GIN index; on
SQLite an FTS5 table over this one (``search_fts``, external content, kept in step by
triggers). Both are the database's own machinery, created by migration 0020d on its
dialect only, and not models (``is_index_machinery``: the drift check leaves them). The rows are written by ``search.index`` (on every flush, and ``flask search
rebuild``), never by hand.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow

# The document's weighted vector (title A, body B): search_document.tsv on PostgreSQL.
TSVECTOR_SQL = (
    "(setweight(to_tsvector('english'::regconfig, title::text), 'A'::\"char\")"
    " || setweight(to_tsvector('english'::regconfig, body), 'B'::\"char\"))"
)
FTS_TABLE = "search_fts"


class SearchDocument(db.Model):
    __tablename__ = "search_document"
    __table_args__ = (
        sa.UniqueConstraint("kind", "object_id", name="uq_search_document_kind_object"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


TSV_COLUMN = "tsv"
TSV_INDEX = "ix_search_document_tsv"  # + "_<kind>": one partial GIN index per kind (0024b)


def is_index_machinery(name: str | None, type_: str, parent_names: dict) -> bool:
    """The FTS5 table and its shadow tables (SQLite), the generated ``tsv`` column and
    its GIN indexes, one per kind (PostgreSQL): maintained by the database, not models, not compared."""
    if not name:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")
    if type_ == "column":
        return name == TSV_COLUMN and parent_names.get("table_name") == "search_document"
    return type_ == "index" and (name == TSV_INDEX or name.startswith(TSV_INDEX + "_"))
