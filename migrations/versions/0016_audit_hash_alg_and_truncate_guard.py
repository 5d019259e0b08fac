"""audit chain: hash algorithm per row (keyed HMAC from now on); refuse TRUNCATE

Rows written before this revision were hashed with plain SHA-256 and are append-only,
so they keep that algorithm (``hash_alg = 'sha256'``) and verify the old way; rows
written from now on are HMAC-SHA256 under AUDIT_HMAC_KEY.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 13:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    pg = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hash_alg", sa.String(length=20), nullable=False, server_default="sha256")
        )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("hash_alg", server_default=None)
    if pg:
        op.execute(
            """
            CREATE FUNCTION audit_event_no_truncate() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION 'audit_event is append-only: TRUNCATE refused';
            END;
            $$ LANGUAGE plpgsql;
            """
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_no_truncate()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_no_truncate()")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("hash_alg")
