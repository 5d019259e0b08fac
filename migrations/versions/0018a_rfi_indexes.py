"""rfi: index (status, priority, submitted_at) for the filtered RFI queue

The queue filtered by status and priority, newest first, and its count read a handful of
index entries instead of AND-ing two bitmaps of ~10,000 rows each and visiting the heap.

Revision ID: 0018a
Revises: 0017
Create Date: 2026-12-03 10:55:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0018a"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_rfi_status_priority_submitted",
        "rfi",
        ["status", "priority", "submitted_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_rfi_status_priority_submitted", table_name="rfi")
