"""SAML 2.0 sign-in: a provider's protocol and IdP metadata; a sign-in attempt's
assertion id (replay), verified identity and hand-off digest

Revision ID: 0024a
Revises: 0023
Create Date: 2026-12-04 01:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024a"
down_revision = "0023"
branch_labels = None
depends_on = None

# Existing providers are OpenID Connect ones; the ORM owns the values from then on.
PROVIDER_COLUMNS = (
    ("protocol", sa.String(length=10), "oidc"),
    ("saml_metadata_xml", sa.Text(), ""),
    ("saml_mfa_contexts", sa.String(length=1000), ""),
)


def upgrade():
    with op.batch_alter_table("identity_provider", schema=None) as batch_op:
        for name, type_, default in PROVIDER_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))
    with op.batch_alter_table("identity_provider", schema=None) as batch_op:
        for name, _, _ in PROVIDER_COLUMNS:
            batch_op.alter_column(name, server_default=None)
    with op.batch_alter_table("federation_sign_in_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assertion_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("verified", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("handoff_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_federation_sign_in_attempt_assertion_id"), ["assertion_id"]
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_federation_sign_in_attempt_handoff_hash"), ["handoff_hash"]
        )


def downgrade():
    with op.batch_alter_table("federation_sign_in_attempt", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_federation_sign_in_attempt_handoff_hash"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_federation_sign_in_attempt_assertion_id"), type_="unique"
        )
        batch_op.drop_column("handoff_hash")
        batch_op.drop_column("verified")
        batch_op.drop_column("assertion_id")
    with op.batch_alter_table("identity_provider", schema=None) as batch_op:
        for name, _, _ in reversed(PROVIDER_COLUMNS):
            batch_op.drop_column(name)
