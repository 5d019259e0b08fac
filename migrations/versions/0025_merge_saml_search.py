"""merge SAML providers and the per-kind search indexes

Revision ID: 0025
Revises: 0024a, 0024b
"""

revision = "0025"
down_revision = ("0024a", "0024b")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
