"""roster search: trigram indexes for the free-text filter (PostgreSQL)

The roster's search matches a substring of the officer's name, rank/title or e-mail
(``lower(col) LIKE '%q%'``) or the external id exactly. On PostgreSQL each of those gets
an index (trigram GIN for the substrings, a btree on ``lower(external_id)``), and the
query unions the per-column id sets, so a search reads the matching rows, not every
officer. SQLite keeps scanning: nothing to do there.

Revision ID: 0018b
Revises: 0017
Create Date: 2026-12-03 11:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018b"
down_revision = "0017"
branch_labels = None
depends_on = None

FULL_NAME = "lower((first_name || ' ' || last_name))"
TRIGRAM = {
    "ix_officer_full_name_trgm": FULL_NAME,
    "ix_officer_rank_title_trgm": "lower(rank_title)",
    "ix_officer_email_trgm": "lower(email)",
}


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # The operator class lives in the extension's schema, which need not be on the
    # search path (the load benchmark builds its data in a schema of its own).
    schema = bind.scalar(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        )
    )
    ops = f'"{schema}".gin_trgm_ops'
    for name, expr in TRIGRAM.items():
        op.execute(f"CREATE INDEX {name} ON officer USING gin ({expr} {ops})")
    op.execute("CREATE INDEX ix_officer_external_id_lower ON officer (lower(external_id))")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in (*TRIGRAM, "ix_officer_external_id_lower"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
