"""merge the feature branches: agreements, CVE review, subscriptions, PDF downloads

Revision ID: 0021
Revises: 0020a, 0020b, 0020c, 0020e
"""

revision = "0021"
down_revision = ("0020a", "0020b", "0020c", "0020e")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
