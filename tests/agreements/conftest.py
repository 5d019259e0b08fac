"""Agreement test helpers: publish a version as a coordinator, move the clock."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine

from flo_portal.agreements import services
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from tests.api.conftest import token_for  # noqa: F401 - the API tests' token fixture

FLO = Role.LIAISON_OFFICER.value


@pytest.fixture
def publish(app, make_user):
    """``publish(kind="privacy", version="1.0", roles=(FLO,), effective_in=0)`` -> version,
    published by a coordinator and committed."""
    made = {}

    def _publish(kind="privacy", version="1.0", roles=(FLO,), effective_in=0, body=None):
        if "coordinator" not in made:
            made["coordinator"] = make_user(Role.COORDINATOR)
        with app.test_request_context():
            row = services.publish_version(
                made["coordinator"],
                kind=kind,
                version=version,
                title=f"Test {kind} policy",
                body_md=body or f"# {kind} version {version}\n\nI agree.",
                effective_on=clock.today() + timedelta(days=effective_in),
                roles=list(roles),
            )
        db.session.commit()
        return row

    return _publish


@contextmanager
def days_later(days: int):
    """The clock ``days`` days on (not ticking)."""
    with time_machine.travel(clock.now() + timedelta(days=days), tick=False):
        yield


def sign_form(name: str) -> dict:
    return {"full_name": name, "confirm": "y"}


def version_form(kind: str, version: str, title: str, **fields) -> dict:
    """The new-version page's fields as a coordinator fills them in: for FLOs, in effect
    today, with ``fields`` (the text, the PDF) added."""
    return {
        "kind": kind,
        "version": version,
        "title": title,
        "effective_on": clock.today().isoformat(),
        "roles": [FLO],
        **fields,
    }
