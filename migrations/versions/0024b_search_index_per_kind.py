"""search: one partial GIN index per kind of document (PostgreSQL)

The one GIN index over every document made a search of one kind read the postings of
all kinds: a word in most RFIs and products (90,000 documents at the load size) cost a
bitmap of 90,000 entries to find the few officers or agencies it names. One partial
index per kind (``WHERE kind = '<kind>'``) holds only that kind's documents; the search
names the kind as a literal so the planner picks its index. A new kind in
``search/kinds.py`` adds its index in a migration (tests/search checks every kind has
one). Nothing changes on SQLite (FTS5).

Revision ID: 0024b
Revises: 0023
Create Date: 2026-12-04 01:40:00

"""

from alembic import op

revision = "0024b"
down_revision = "0023"
branch_labels = None
depends_on = None

KINDS = ("officer", "agency", "rfi", "product", "briefing", "sar", "course")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for kind in KINDS:
        op.execute(
            f"CREATE INDEX ix_search_document_tsv_{kind} ON search_document"
            f" USING gin (tsv) WHERE kind = '{kind}'"
        )
    op.execute("DROP INDEX IF EXISTS ix_search_document_tsv")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")
    for kind in KINDS:
        op.execute(f"DROP INDEX IF EXISTS ix_search_document_tsv_{kind}")
