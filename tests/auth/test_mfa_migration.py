"""Migration 0012 encrypts the TOTP secrets already in the database and drops the plain column."""

from __future__ import annotations

import os
import uuid

import pyotp
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade

from config import TestConfig
from flo_portal import create_app
from flo_portal.extensions import db
from tests.conftest import PG_URL, _pg_schema_config


def test_migration_encrypts_existing_secrets_with_the_apps_key(tmp_path):
    key = Fernet.generate_key().decode()
    overrides: dict = {"MFA_ENCRYPTION_KEYS": [key], "UPLOAD_DIR": str(tmp_path)}
    schema = None
    if PG_URL:
        schema = f"test_mig_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        _run_on_pg(f'CREATE SCHEMA "{schema}"')
        overrides.update(_pg_schema_config(PG_URL, schema))
    else:
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'mig.sqlite'}"
    app = create_app(TestConfig, **overrides)
    secret = pyotp.random_base32()
    try:
        with app.app_context():
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
    finally:
        if schema:
            _run_on_pg(f'DROP SCHEMA "{schema}" CASCADE')


def _run_on_pg(statement: str) -> None:
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(statement))
    engine.dispose()
