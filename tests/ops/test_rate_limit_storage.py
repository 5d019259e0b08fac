"""The rate-limit store: production refuses the per-process memory:// store, and the
limiter works against the real Redis (127.0.0.1:6379, database 5 by default)."""

from __future__ import annotations

import os
import uuid

import pytest
from cryptography.fernet import Fernet

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def _production(monkeypatch, **settings):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://x@h/db")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 40)
    monkeypatch.setattr(ProductionConfig, "MFA_ENCRYPTION_KEYS", [Fernet.generate_key().decode()])
    monkeypatch.setattr(ProductionConfig, "AUDIT_HMAC_KEY", "a" * 48)
    for name, value in settings.items():
        monkeypatch.setattr(ProductionConfig, name, value)
    return ProductionConfig


@pytest.mark.parametrize("uri", ["memory://", "MEMORY://", " memory:// "])
def test_production_refuses_the_memory_rate_limit_store(monkeypatch, uri):
    from flo_portal import create_app

    config = _production(monkeypatch, RATELIMIT_STORAGE_URI=uri)
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI=memory://"):
        create_app(config)


def test_production_starts_with_a_redis_rate_limit_store(monkeypatch):
    config = _production(monkeypatch, RATELIMIT_STORAGE_URI=REDIS_URL)
    config.validate()  # no error


def test_production_refuses_the_mail_sink(monkeypatch):
    config = _production(monkeypatch, RATELIMIT_STORAGE_URI=REDIS_URL, MAIL_BACKEND="sink")
    with pytest.raises(RuntimeError, match="MAIL_BACKEND='sink'"):
        config.validate()


@pytest.fixture
def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as err:  # pragma: no cover - machine without Redis
        pytest.skip(f"no Redis at {REDIS_URL}: {err}")
    yield client
    client.close()


def test_sign_in_limit_is_counted_in_redis_and_shared_by_workers(second_app, redis_db):
    """Two apps (two gunicorn workers) on one Redis count the same bucket."""
    prefix = f"flo-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": "3 per minute",
        "TRUSTED_PROXY_HOPS": 1,
    }
    from flo_portal.core.extensions import limiter

    worker_1 = second_app(**settings).test_client()
    worker_2 = second_app(**settings).test_client()
    assert limiter._storage.__class__.__name__ == "RedisStorage"
    redis_db.flushdb()

    def attempt(client, who="203.0.113.7"):
        return client.post(
            "/auth/login",
            data={"email": "a@b.gov", "password": "wrong password x"},
            headers={"X-Forwarded-For": who},
        ).status_code

    codes = [attempt(worker_1), attempt(worker_2), attempt(worker_1), attempt(worker_2)]
    assert codes == [401, 401, 401, 429]
    assert attempt(worker_1, who="198.51.100.23") == 401  # another client, another bucket
    keys = [k.decode() for k in redis_db.keys("*")]
    assert any("203.0.113.7" in k for k in keys), keys
    assert any("198.51.100.23" in k for k in keys), keys
    redis_db.flushdb()
