"""Sign-in attempts are rate limited per client address (on top of the per-account lock-out)."""

from config import TestConfig
from flo_portal import create_app


def test_login_posts_are_rate_limited(app):
    limited = create_app(
        TestConfig,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        LOGIN_RATE_LIMIT="3 per minute",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    )
    client = limited.test_client()
    codes = [
        client.post(
            "/auth/login", data={"email": "a@b.gov", "password": "wrong password x"}
        ).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    last = client.post("/auth/login", data={"email": "a@b.gov", "password": "x"})
    assert b"Too many requests" in last.data
    assert client.get("/auth/login").status_code == 200  # reading the page is not limited
    with limited.app_context():
        from flo_portal.core.extensions import db

        db.engine.dispose()
