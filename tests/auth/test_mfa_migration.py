"""Migration 0012 encrypts the TOTP secrets already in the database and drops the plain column."""

from __future__ import annotations

import pyotp
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade

from flo_portal.core.extensions import db
from tests.conftest import scratch_app


def test_migration_encrypts_existing_secrets_with_the_apps_key(tmp_path):
    key = Fernet.generate_key().decode()
    secret = pyotp.random_base32()
    with scratch_app(tmp_path, MFA_ENCRYPTION_KEYS=[key]) as app, app.app_context():
        upgrade(revision="0010")
        db.session.execute(
            sa.text(
                "INSERT INTO user_account (email, name, role, session_token, active, timezone,"
                " mfa_secret, mfa_enabled, failed_logins, created_at, updated_at) VALUES"
                " ('a@x.gov', 'A', 'analyst', 't', true, 'UTC', :s, true, 0,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"s": secret},
        )
        db.session.commit()
        upgrade(revision="heads")
        cipher = db.session.execute(
            sa.text("SELECT mfa_secret_encrypted FROM user_account")
        ).scalar_one()
        assert secret not in cipher
        assert Fernet(key).decrypt(cipher.encode()).decode() == secret
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("user_account")}
        assert "mfa_secret" not in columns
        db.session.commit()
        # ...and back: the downgrade restores the plain column.
        downgrade(revision="0010")
        plain = db.session.execute(sa.text("SELECT mfa_secret FROM user_account")).scalar_one()
        assert plain == secret
        db.session.remove()
        db.engine.dispose()
