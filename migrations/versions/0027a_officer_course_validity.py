"""training: officer_course_validity, the summary of each officer's best record per course

The coverage page re-aggregated all training records (60,000 at the load size) twice a
request to find, per officer and required course, when their best record stops counting.
This table keeps that date per (officer, course), written in the same transaction as the
records (``training.services.refresh_validity``); the page compares it with today. It is
filled here from the existing records (``flask roster rebuild-validity`` does the same).

Revision ID: 0027a
Revises: 0026
Create Date: 2026-12-04 19:00:00

"""

import datetime

import sqlalchemy as sa
from alembic import op

revision = "0027a"
down_revision = "0026"
branch_labels = None
depends_on = None

NEVER = datetime.date(9999, 12, 31)  # training.services.NEVER: the record never expires


def upgrade():
    op.create_table(
        "officer_course_validity",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["course_id"], ["training_course.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("officer_id", "course_id"),
    )
    op.create_index(
        "ix_officer_course_validity_course",
        "officer_course_validity",
        ["course_id", "expires_on", "officer_id"],
    )
    record = sa.table(
        "training_record",
        sa.column("officer_id", sa.Integer),
        sa.column("course_id", sa.Integer),
        sa.column("expires_on", sa.Date),
    )
    validity = sa.table(
        "officer_course_validity",
        sa.column("officer_id", sa.Integer),
        sa.column("course_id", sa.Integer),
        sa.column("expires_on", sa.Date),
    )
    best = sa.func.max(sa.func.coalesce(record.c.expires_on, sa.literal(NEVER, sa.Date)))
    op.execute(
        sa.insert(validity).from_select(
            ["officer_id", "course_id", "expires_on"],
            sa.select(record.c.officer_id, record.c.course_id, best).group_by(
                record.c.officer_id, record.c.course_id
            ),
        )
    )


def downgrade():
    op.drop_index("ix_officer_course_validity_course", table_name="officer_course_validity")
    op.drop_table("officer_course_validity")
