"""server-side session records (sign-out revokes, absolute lifetime)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 12:20:00

"""
from alembic import op
import sqlalchemy as sa

import flo_portal.core.orm


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', flo_portal.core.orm.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=100), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')
