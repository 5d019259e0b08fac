"""exchange: partner TAXII collections and imported STIX object keys

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 10:20:00

"""

import sqlalchemy as sa
from alembic import op

import flo_portal.core.orm

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UTC = flo_portal.core.orm.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "exchange_partner_collection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("credentials_env", sa.String(length=100), nullable=False),
        sa.Column("accept_tlps", sa.String(length=200), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_after", sa.String(length=40), nullable=False),
        sa.Column("last_polled_at", UTC, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["user_account.id"],
            name=op.f("fk_exchange_partner_collection_reviewer_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_exchange_partner_collection_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_partner_collection")),
        sa.UniqueConstraint("url", name=op.f("uq_exchange_partner_collection_url")),
    )
    op.create_table(
        "exchange_imported_object",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("stix_id", sa.String(length=100), nullable=False),
        sa.Column("stix_version", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("imported_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["exchange_partner_collection.id"],
            name=op.f("fk_exchange_imported_object_collection_id_exchange_partner_collection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_exchange_imported_object_product_id_product"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_imported_object")),
        sa.UniqueConstraint("stix_id", "stix_version", name="uq_exchange_imported_object_key"),
    )
    with op.batch_alter_table("exchange_imported_object", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_imported_object_collection_id"), ["collection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exchange_imported_object_product_id"), ["product_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("exchange_imported_object", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_imported_object_product_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_imported_object_collection_id"))
    op.drop_table("exchange_imported_object")
    op.drop_table("exchange_partner_collection")
