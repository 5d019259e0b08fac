"""merge the sign-in branches: OpenID Connect federation and passkeys

Revision ID: 0022
Revises: 0022a, 0022b
"""

revision = "0022"
down_revision = ("0022a", "0022b")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
