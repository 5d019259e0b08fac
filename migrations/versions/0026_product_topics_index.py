"""products: a trigram index on the listed topics (PostgreSQL)

The SAR reporting guide on every FLO's and agency head's dashboard is "the newest
published training material carrying a topic", a substring test on
``',' || replace(lower(topics), ' ', '') || ','`` (``products.models.listed_topics``) that
no btree serves: the query read all training-material products (6,300 at the load size,
18 ms of PostgreSQL a dashboard). A trigram GIN index on that expression finds the few
that carry it. Nothing changes on SQLite.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 02:55:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

LISTED = "((',' || replace(lower(topics), ' ', '')) || ',')"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # The operator class lives in the extension's schema (see 0018b).
    schema = bind.scalar(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        )
    )
    op.execute(
        f'CREATE INDEX ix_product_topics_trgm ON product USING gin ({LISTED} "{schema}".gin_trgm_ops)'
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_product_topics_trgm")
