"""Helpers shared by the password and session tests."""

from __future__ import annotations

from tests.factories import TEST_PASSWORD

NEW = "a brand new passphrase for me"


def change_password_keeps_only_this_session(client, other) -> None:
    """Change the password on ``client`` with the current one: ``client`` stays signed in,
    ``other`` (a second session of the same user) is signed out."""
    ok = client.post(
        "/auth/password/change",
        data={"current_password": TEST_PASSWORD, "password": NEW, "confirm": NEW},
    )
    assert ok.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302
