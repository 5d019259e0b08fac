"""API test helpers: a token for a user, and a client that sends it."""

from __future__ import annotations

import pytest

from flo_portal.api.models import TokenScope
from flo_portal.api.tokens import create_token
from flo_portal.core.extensions import db


@pytest.fixture
def token_for(db):
    """``token_for(user, scope="read-write", days=30)`` -> the token text."""

    def _make(user, scope: str = TokenScope.READ_WRITE, days: int = 30) -> str:
        _row, text = create_token(user, "test token", TokenScope(scope), days)
        db.session.commit()
        return text

    return _make


@pytest.fixture
def api(client, make_user, token_for):
    """``api(role_or_user, scope=...)`` -> (user, headers) for bearer requests."""

    def _as(role_or_user, scope: str = TokenScope.READ_WRITE, **kwargs):
        user = role_or_user if hasattr(role_or_user, "id") else make_user(role_or_user, **kwargs)
        return user, {"Authorization": f"Bearer {token_for(user, scope)}"}

    return _as


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


__all__ = ["db", "error_of"]


def pytest_terminal_summary(terminalreporter):
    from tests.api.test_fuzz import FUZZ_STATS

    if FUZZ_STATS["cases"]:
        terminalreporter.write_line(
            f"API fuzzing: {FUZZ_STATS['cases']} generated cases over "
            f"{len(FUZZ_STATS['operations'])} operations, {FUZZ_STATS['requests']} requests "
            "(one per role per case)"
        )
