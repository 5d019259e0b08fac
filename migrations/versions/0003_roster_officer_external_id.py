"""roster: officer external id (stable key for CSV import), coverage index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

"""
from alembic import op
import sqlalchemy as sa

import flo_portal.core.orm  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_officer_external_id'), ['external_id'])
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.create_index(
            'ix_training_record_officer_course_expiry', ['officer_id', 'course_id', 'expires_on'], unique=False
        )


def downgrade():
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.drop_index('ix_training_record_officer_course_expiry')
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_officer_external_id'), type_='unique')
        batch_op.drop_column('external_id')
