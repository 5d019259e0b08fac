"""edit versions: optimistic concurrency on agency, officer, training course and product

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 12:15:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# (table, column): the product's ``version`` is its release number, so its edit counter
# is ``edit_version``.
COLUMNS = (
    ("agency", "version"),
    ("officer", "version"),
    ("training_course", "version"),
    ("product", "edit_version"),
)


def upgrade():
    for table, column in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            # Existing rows start at version 1; the ORM owns the value from then on.
            batch_op.add_column(
                sa.Column(column, sa.Integer(), nullable=False, server_default="1")
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, server_default=None)


def downgrade():
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
