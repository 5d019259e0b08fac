"""products: product_download, the PDF copies in the dissemination log

Revision ID: 0020e
Revises: 0019
Create Date: 2026-12-03 16:40:00

"""

import sqlalchemy as sa
from alembic import op

import flo_portal.core.orm

# revision identifiers, used by Alembic.
revision = "0020e"
down_revision = "0019"
branch_labels = None
depends_on = None

UTC = flo_portal.core.orm.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "product_download",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("download_id", sa.String(length=20), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("downloaded_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_download_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_product_download_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_download")),
        sa.UniqueConstraint("download_id", name=op.f("uq_product_download_download_id")),
    )
    op.create_index(
        "ix_product_download_product",
        "product_download",
        ["product_id", "downloaded_at"],
    )
    op.create_index(
        op.f("ix_product_download_user_id"), "product_download", ["user_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_product_download_user_id"), table_name="product_download")
    op.drop_index("ix_product_download_product", table_name="product_download")
    op.drop_table("product_download")
