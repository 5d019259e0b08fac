"""TOTP secrets encrypted at rest (MultiFernet, rotatable) and Argon2 recovery codes."""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from config import ProductionConfig
from flo_portal.auth import mfa
from flo_portal.security.permissions import Role
from flo_portal.users.models import RecoveryCode, User
from tests.factories import TEST_PASSWORD


def stored_ciphertext(db, user) -> str:
    return db.session.execute(
        sa.text("SELECT mfa_secret_encrypted FROM user_account WHERE id = :id"), {"id": user.id}
    ).scalar_one()


def sign_in_with_totp(client, user, secret) -> int:
    client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    return client.post("/auth/login/verify", data={"code": pyotp.TOTP(secret).now()}).status_code


def test_enrolled_secret_is_not_stored_in_plain_text(client, make_user, db):
    user = make_user(Role.COORDINATOR)
    client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    client.get("/auth/mfa/setup")
    with client.session_transaction() as sess:
        secret = sess["mfa_setup_secret"]
    client.post("/auth/mfa/setup", data={"code": pyotp.TOTP(secret).now()})
    raw = stored_ciphertext(db, user)
    assert raw and secret not in raw and raw.startswith("gAAAA")  # a Fernet token
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("user_account")}
    assert "mfa_secret" not in columns  # no plaintext column left
    db.session.expire_all()
    assert db.session.get(User, user.id).mfa_secret == secret


def test_secret_decrypts_after_key_rotation(client, app, make_user, db, monkeypatch):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "MFA_ENCRYPTION_KEYS", [old_key])
    secret = pyotp.random_base32()
    user = make_user(Role.ANALYST, mfa_secret=secret, mfa_enabled=True)
    before = stored_ciphertext(db, user)
    assert Fernet(old_key).decrypt(before.encode()).decode() == secret

    # New key first, old key kept so existing secrets still open; then re-encrypt.
    monkeypatch.setitem(app.config, "MFA_ENCRYPTION_KEYS", [new_key, old_key])
    result = app.test_cli_runner().invoke(args=["mfa", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 TOTP secret" in result.output

    # The old key can be dropped: the secret now opens with the new key alone.
    monkeypatch.setitem(app.config, "MFA_ENCRYPTION_KEYS", [new_key])
    db.session.expire_all()
    after = stored_ciphertext(db, user)
    assert after != before
    assert Fernet(new_key).decrypt(after.encode()).decode() == secret
    assert db.session.get(User, user.id).mfa_secret == secret
    assert sign_in_with_totp(client, user, secret) == 302
    # ...and a secret is unreadable without any of its keys.
    monkeypatch.setitem(app.config, "MFA_ENCRYPTION_KEYS", [old_key])
    db.session.expire_all()
    assert db.session.get(User, user.id).mfa_secret is None


def test_rotation_without_the_old_key_is_refused_and_changes_nothing(
    app, make_user, db, monkeypatch
):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "MFA_ENCRYPTION_KEYS", [old_key])
    user = make_user(Role.ANALYST, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    before = stored_ciphertext(db, user)
    monkeypatch.setitem(app.config, "MFA_ENCRYPTION_KEYS", [new_key])
    result = app.test_cli_runner().invoke(args=["mfa", "rotate-key"])
    assert result.exit_code != 0 and "opens with none of MFA_ENCRYPTION_KEYS" in result.output
    db.session.expire_all()
    assert stored_ciphertext(db, user) == before


def test_production_refuses_to_start_without_encryption_keys(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://x/y")
    monkeypatch.setattr(ProductionConfig, "MFA_ENCRYPTION_KEYS", [])
    with pytest.raises(RuntimeError, match="MFA_ENCRYPTION_KEYS"):
        ProductionConfig.validate()
    monkeypatch.setattr(ProductionConfig, "MFA_ENCRYPTION_KEYS", ["not-a-fernet-key"])
    with pytest.raises(RuntimeError, match="not a Fernet key"):
        ProductionConfig.validate()


def test_without_keys_outside_production_a_dev_key_is_used_with_a_warning(app, caplog, monkeypatch):
    # Alembic's fileConfig (run by the migrations at session start) disables loggers.
    monkeypatch.setattr(mfa.logger, "disabled", False)
    mfa._multi_fernet.cache_clear()
    with caplog.at_level("WARNING", logger="flo_portal.auth.mfa"):
        box = mfa.secret_box({"MFA_ENCRYPTION_KEYS": [], "ENV_NAME": "development"})
    assert "MFA_ENCRYPTION_KEYS is not set" in caplog.text
    assert box.decrypt(box.encrypt(b"s")) == b"s"
    with pytest.raises(RuntimeError):
        mfa.secret_box({"MFA_ENCRYPTION_KEYS": [], "ENV_NAME": "production"})


def test_recovery_codes_are_long_random_and_argon2_hashed(make_user, db):
    user = make_user(Role.LIAISON_OFFICER, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    codes = mfa.generate_recovery_codes(user)
    db.session.commit()
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        # 16 base32 characters (80 bits) in four groups of four for reading.
        assert re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", code)
    hashes = list(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(c.replace("-", "") in h for c in codes for h in hashes)


def test_a_recovery_code_signs_in_once(client, app, make_user, db):
    user = make_user(Role.LIAISON_OFFICER, mfa_secret=pyotp.random_base32(), mfa_enabled=True)
    codes = mfa.generate_recovery_codes(user)
    db.session.commit()
    typed = codes[3].upper().replace("-", " ")  # how people type it back
    client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert client.post("/auth/login/verify", data={"code": typed}).status_code == 302
    assert client.get("/products/").status_code == 200
    other = app.test_client()
    other.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert other.post("/auth/login/verify", data={"code": codes[3]}).status_code == 401
    db.session.expire_all()
    assert mfa.remaining_recovery_codes(db.session.get(User, user.id)) == 9
