"""api: personal access tokens

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-27 21:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import flo_portal.core.orm


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.Enum('read', 'read-write', name='tokenscope', native_enum=False, length=20), nullable=False),
    sa.Column('expires_at', flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', flo_portal.core.orm.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', flo_portal.core.orm.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
