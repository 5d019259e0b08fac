"""products: a covering index for the feed's order and the visibility rule

Revision ID: 0018c
Revises: 0017
Create Date: 2026-12-03 11:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0018c"
down_revision = "0017"
branch_labels = None
depends_on = None

INCLUDE = ["status", "purged_at", "tlp", "author_id", "privacy_reviewer_id", "version"]


def upgrade():
    # The feed (ORDER BY last_published_at DESC, id DESC), its count and the dashboard's
    # unread-products join read only these columns: on PostgreSQL an index-only scan
    # instead of a scan of every product row (bodies included).
    op.create_index(
        "ix_product_feed",
        "product",
        ["last_published_at", "id"],
        postgresql_include=INCLUDE,
    )


def downgrade():
    op.drop_index("ix_product_feed", table_name="product")
