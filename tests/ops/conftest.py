"""Fixtures for the production-readiness tests: a second app with other settings."""

from __future__ import annotations

import pytest

from config import TestConfig
from flo_portal import create_app
from flo_portal.core.extensions import db, limiter


@pytest.fixture
def second_app(app):
    """Another app on the same database with other settings (proxy hops, rate limits).

    Flask-Limiter keeps its storage and on/off switch on the one global ``limiter``: what
    it was before is put back afterwards, so later tests see the session app's limiter."""
    saved = dict(limiter.__dict__)
    made = []

    def _make(**overrides):
        other = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            **overrides,
        )
        made.append(other)
        return other

    yield _make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)
