"""federation: identity providers, linked identities, link requests, sign-in attempts

Revision ID: 0022a
Revises: 0021
Create Date: 2026-12-03 17:00:00

"""

import sqlalchemy as sa
from alembic import op

import flo_portal.core.orm

# revision identifiers, used by Alembic.
revision = "0022a"
down_revision = "0021"
branch_labels = None
depends_on = None

UTC = flo_portal.core.orm.UTCDateTime(timezone=True)


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade():
    op.create_table(
        "identity_provider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("metadata_url", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_env", sa.String(length=120), nullable=False),
        sa.Column("email_domains", sa.String(length=1000), nullable=False),
        sa.Column("mfa_claim_counts", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_provider")),
        sa.UniqueConstraint("name", name=op.f("uq_identity_provider_name")),
    )
    op.create_index(
        op.f("ix_identity_provider_enabled"), "identity_provider", ["enabled"], unique=False
    )
    op.create_table(
        "identity_provider_agency",
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        _fk("identity_provider_agency", "provider_id", "identity_provider", "CASCADE"),
        _fk("identity_provider_agency", "agency_id", "agency", "CASCADE"),
        sa.PrimaryKeyConstraint(
            "provider_id", "agency_id", name=op.f("pk_identity_provider_agency")
        ),
    )
    op.create_table(
        "federated_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_used_at", UTC, nullable=True),
        _fk("federated_identity", "user_id", "user_account", "CASCADE"),
        _fk("federated_identity", "provider_id", "identity_provider", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federated_identity")),
        sa.UniqueConstraint("issuer", "subject", name="uq_federated_identity_sub"),
    )
    for column in ("user_id", "provider_id"):
        op.create_index(
            op.f(f"ix_federated_identity_{column}"), "federated_identity", [column], unique=False
        )
    op.create_table(
        "federation_link_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        _fk("federation_link_request", "provider_id", "identity_provider", "CASCADE"),
        _fk("federation_link_request", "decided_by_id", "user_account", "SET NULL"),
        _fk("federation_link_request", "user_id", "user_account", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_link_request")),
    )
    for column in ("provider_id", "decided_by_id", "user_id"):
        op.create_index(
            op.f(f"ix_federation_link_request_{column}"),
            "federation_link_request",
            [column],
            unique=False,
        )
    op.create_index(
        "ix_federation_link_request_queue",
        "federation_link_request",
        ["status", "created_at"],
        unique=False,
    )
    op.create_table(
        "federation_sign_in_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("next_path", sa.String(length=500), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        _fk("federation_sign_in_attempt", "provider_id", "identity_provider", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_sign_in_attempt")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_federation_sign_in_attempt_state_hash")),
    )
    for column in ("provider_id", "created_at"):
        op.create_index(
            op.f(f"ix_federation_sign_in_attempt_{column}"),
            "federation_sign_in_attempt",
            [column],
            unique=False,
        )


def downgrade():
    op.drop_table("federation_sign_in_attempt")
    op.drop_table("federation_link_request")
    op.drop_table("federated_identity")
    op.drop_table("identity_provider_agency")
    op.drop_table("identity_provider")
