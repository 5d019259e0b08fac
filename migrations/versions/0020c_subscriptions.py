"""subscriptions: what users follow (topics, product types, regions, disciplines, agencies)

Revision ID: 0020c
Revises: 0019
Create Date: 2026-12-03 16:30:00

"""

import sqlalchemy as sa
from alembic import op

import flo_portal.core.orm

# revision identifiers, used by Alembic.
revision = "0020c"
down_revision = "0019"
branch_labels = None
depends_on = None

UTC = flo_portal.core.orm.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_subscription_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
        sa.UniqueConstraint("user_id", "kind", "value", name="uq_subscription_once"),
    )
    op.create_index("ix_subscription_match", "subscription", ["kind", "value", "user_id"])


def downgrade():
    op.drop_index("ix_subscription_match", table_name="subscription")
    op.drop_table("subscription")
