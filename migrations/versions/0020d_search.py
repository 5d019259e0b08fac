"""search: the portal's full-text index (search_document; GIN on PostgreSQL, FTS5 on SQLite)

On PostgreSQL a generated, stored tsvector column (title weighted A, body B) with a GIN
index. On SQLite an
FTS5 table with search_document as its external content, kept in step by triggers. The
index is filled by the flush hook as rows are written; for rows that exist already,
run `flask search rebuild` once after this upgrade (it reads the current models, which a
migration must not).

Revision ID: 0020d
Revises: 0019
Create Date: 2026-12-03 16:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020d"
down_revision = "0019"
branch_labels = None
depends_on = None

TSVECTOR_SQL = (
    "(setweight(to_tsvector('english'::regconfig, title::text), 'A'::\"char\")"
    " || setweight(to_tsvector('english'::regconfig, body), 'B'::\"char\"))"
)
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_document',"
    " content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_document BEGIN"
    " INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_document BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_fts_au AFTER UPDATE ON search_document BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body);"
    " INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]


def upgrade():
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
        sa.UniqueConstraint("kind", "object_id", name="uq_search_document_kind_object"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE search_document ADD COLUMN tsv tsvector"
            f" GENERATED ALWAYS AS ({TSVECTOR_SQL}) STORED"
        )
        op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")
    elif bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("search_fts_ai", "search_fts_ad", "search_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_document_tsv")
    op.drop_table("search_document")
