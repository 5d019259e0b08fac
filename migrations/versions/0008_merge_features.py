"""merge the feature branches (roster, rfis, products, briefings, api) into one head

Revision ID: 0008
Revises: 0003, 0004, 0005, 0006, 0007
"""

revision = "0008"
down_revision = ("0003", "0004", "0005", "0006", "0007")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
