"""merge the coverage validity summary and the product release index

Revision ID: 0028
Revises: 0027a, 0027c
"""

revision = "0028"
down_revision = ("0027a", "0027c")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
