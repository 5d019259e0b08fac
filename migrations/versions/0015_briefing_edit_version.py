"""briefing edit version: optimistic concurrency on the briefing edit form

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 13:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("briefing", schema=None) as batch_op:
        # Existing rows start at version 1; the ORM owns the value from then on.
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("briefing", schema=None) as batch_op:
        batch_op.alter_column("version", server_default=None)


def downgrade():
    with op.batch_alter_table("briefing", schema=None) as batch_op:
        batch_op.drop_column("version")
