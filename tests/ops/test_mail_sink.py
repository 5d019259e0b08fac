"""Development mail sink (MAIL_BACKEND=sink, what `make run` uses): nothing leaves the
machine, every message is shown to administrators at /dev/mail, so an invitation or a
password reset can be followed to the end."""

from __future__ import annotations

import os
import re

import pytest

from flo_portal.notifications import delivery
from flo_portal.notifications.models import OutboxEmail
from flo_portal.security.permissions import Role

BASE = "http://127.0.0.1:5123"


@pytest.fixture
def sink(app, monkeypatch):
    for name, value in {
        "MAIL_BACKEND": "sink",
        "MAIL_ENABLED": True,
        "MAIL_SERVER": "192.0.2.1",  # TEST-NET: a connection attempt would fail the test
        "MAIL_PORT": 9,
        "PUBLIC_BASE_URL": BASE,
    }.items():
        monkeypatch.setitem(app.config, name, value)


def test_a_password_reset_is_caught_and_can_be_followed(app, db, sink, client, login_as, make_user):
    user = make_user(Role.LIAISON_OFFICER, email="flo@agency.example.gov")
    anonymous = app.test_client()
    assert anonymous.post("/auth/password/forgot", data={"email": user.email}).status_code == 302

    report = delivery.deliver_outbox()
    assert report.as_counts() == {"sent": 1, "failed": 0, "skipped": 0}
    db.session.expire_all()
    (email,) = db.session.query(OutboxEmail).all()
    assert email.sent_at is not None and email.last_error == ""

    login_as(Role.ADMIN)
    listing = client.get("/dev/mail/")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "flo@agency.example.gov" in page and "Reset your FLO Portal password" in page

    shown = client.get(f"/dev/mail/{email.id}").get_data(as_text=True)
    links = re.findall(r'href="(http[^"]+)"', shown)
    assert len(links) == 1 and links[0].startswith(f"{BASE}/auth/password/reset/")
    # The link is a working page, not a dead end.
    assert anonymous.get(links[0].removeprefix(BASE)).status_code == 200


def test_only_administrators_see_the_sink(sink, client, login_as):
    assert client.get("/dev/mail/").status_code == 302  # signed out: to the sign-in page
    login_as(Role.COORDINATOR)
    assert client.get("/dev/mail/").status_code == 403


def test_the_sink_page_does_not_exist_outside_the_sink(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    login_as(Role.ADMIN)
    assert client.get("/dev/mail/").status_code == 404
    assert client.get("/dev/mail/1").status_code == 404


@pytest.mark.skipif(bool(os.environ.get("MAIL_BACKEND")), reason="MAIL_BACKEND set")
def test_make_run_uses_the_sink_and_production_cannot():
    from config import DevelopmentConfig, ProductionConfig

    assert DevelopmentConfig.MAIL_BACKEND == "sink" and DevelopmentConfig.MAIL_ENABLED
    assert ProductionConfig.MAIL_BACKEND == "smtp"  # and validate() refuses anything else
