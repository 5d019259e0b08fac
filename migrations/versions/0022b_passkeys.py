"""passkeys: WebAuthn credentials and single-use challenges

Revision ID: 0022b
Revises: 0021
Create Date: 2026-12-03 17:00:00

"""

import sqlalchemy as sa
from alembic import op

import flo_portal.core.orm

# revision identifiers, used by Alembic.
revision = "0022b"
down_revision = "0021"
branch_labels = None
depends_on = None

UTC = flo_portal.core.orm.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "passkey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("transports", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_used_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_passkey_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkey")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_passkey_credential_id")),
    )
    op.create_index(op.f("ix_passkey_user_id"), "passkey", ["user_id"])
    op.create_table(
        "webauthn_challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_webauthn_challenge_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webauthn_challenge")),
        sa.UniqueConstraint("challenge", name=op.f("uq_webauthn_challenge_challenge")),
    )
    op.create_index(
        op.f("ix_webauthn_challenge_user_id"), "webauthn_challenge", ["user_id"]
    )
    op.create_index(
        op.f("ix_webauthn_challenge_created_at"), "webauthn_challenge", ["created_at"]
    )


def downgrade():
    op.drop_index(op.f("ix_webauthn_challenge_created_at"), table_name="webauthn_challenge")
    op.drop_index(op.f("ix_webauthn_challenge_user_id"), table_name="webauthn_challenge")
    op.drop_table("webauthn_challenge")
    op.drop_index(op.f("ix_passkey_user_id"), table_name="passkey")
    op.drop_table("passkey")
