"""MFA secrets encrypted at rest, Argon2 recovery codes, grace period, change requests

Revision ID: 0012
Revises: 0011

The TOTP secrets are encrypted here, in the migration, with the same keys the app
uses (``flo_portal.auth.mfa.secret_box`` reading MFA_ENCRYPTION_KEYS from the app
config): ``flask db upgrade`` runs inside the app, and production refuses to start
without the keys, so the migration cannot encrypt with a key the app will not have.
The plaintext column is then dropped, so no secret stays readable in the database.
Old recovery codes (48-bit, SHA-256) cannot be re-hashed and are deleted; users make
new ones on their account page and TOTP keeps working.
"""

from alembic import op
import sqlalchemy as sa

import flo_portal.core.orm


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _box():
    from flask import current_app

    from flo_portal.auth.mfa import secret_box

    return secret_box(current_app.config)


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mfa_secret_encrypted", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("mfa_grace_started_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=True)
        )

    users = sa.table(
        "user_account",
        sa.column("id", sa.Integer),
        sa.column("mfa_secret", sa.String),
        sa.column("mfa_secret_encrypted", sa.String),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c.mfa_secret).where(users.c.mfa_secret.is_not(None))).all()
    if rows:
        box = _box()
        for row in rows:
            conn.execute(
                users.update()
                .where(users.c.id == row.id)
                .values(mfa_secret_encrypted=box.encrypt(row.mfa_secret.encode()).decode())
            )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("mfa_secret")

    op.execute("DELETE FROM recovery_code")
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.alter_column(
            "code_hash", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )

    op.create_table(
        "account_change_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("account_details", "mfa_reset", "password_reset", name="changekind", native_enum=False, length=20), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("status", sa.Enum("pending", "approved", "rejected", name="changestatus", native_enum=False, length=20), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["target_id"], ["user_account.id"], name=op.f("fk_account_change_request_target_id_user_account")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"], name=op.f("fk_account_change_request_requested_by_id_user_account")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"], name=op.f("fk_account_change_request_decided_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_change_request")),
    )
    with op.batch_alter_table("account_change_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_change_request_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_change_request_target_id"), ["target_id"], unique=False)


def downgrade():
    with op.batch_alter_table("account_change_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_change_request_target_id"))
        batch_op.drop_index(batch_op.f("ix_account_change_request_status"))
    op.drop_table("account_change_request")

    op.execute("DELETE FROM recovery_code")
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.alter_column(
            "code_hash", existing_type=sa.String(length=255), type_=sa.String(length=64)
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mfa_secret", sa.String(length=64), nullable=True))
    users = sa.table(
        "user_account",
        sa.column("id", sa.Integer),
        sa.column("mfa_secret", sa.String),
        sa.column("mfa_secret_encrypted", sa.String),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(users.c.id, users.c.mfa_secret_encrypted).where(users.c.mfa_secret_encrypted.is_not(None))
    ).all()
    if rows:
        box = _box()
        for row in rows:
            conn.execute(
                users.update()
                .where(users.c.id == row.id)
                .values(mfa_secret=box.decrypt(row.mfa_secret_encrypted.encode()).decode())
            )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("mfa_grace_started_at")
        batch_op.drop_column("mfa_secret_encrypted")
