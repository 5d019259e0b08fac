"""merge the index branches of the load campaign (RFI queue, roster search, product feed)

Revision ID: 0019
Revises: 0018a, 0018b, 0018c
"""

revision = "0019"
down_revision = ("0018a", "0018b", "0018c")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
