"""Notices: preferences (e-mail or in-app only), list, mark read, unread count in the nav."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.notifications.models import (
    Notification,
    NotificationPreference,
    OutboxEmail,
)
from flo_portal.notifications.services import channel_for, notify


def _emails():
    return db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)))


def test_in_app_only_preference_stops_the_email_for_that_kind(client, login_as):
    user = login_as()
    page = client.get("/notifications/preferences")
    assert page.status_code == 200 and b"Briefing reminders" in page.data
    response = client.post(
        "/notifications/preferences", data={"channel-briefing.reminder": "in_app"}
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(NotificationPreference.channel)) == "in_app"
    notify(user, "briefing.reminder", "Reminder", "Soon")
    notify(user, "briefing.invitation", "Invitation", "Come")
    db.session.commit()
    assert _emails() == 1  # only the invitation was e-mailed
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 2


def test_family_preference_covers_other_features_kinds(client, login_as):
    user = login_as()
    client.post("/notifications/preferences", data={"channel-rfi": "in_app"})
    assert channel_for(user.id, "rfi.answered") == "in_app"
    assert channel_for(user.id, "product.published") == "email"


def test_bad_channel_is_refused_without_500(client, login_as):
    login_as()
    assert (
        client.post(
            "/notifications/preferences", data={"channel-rfi": "carrier-pigeon"}
        ).status_code
        == 400
    )


def test_list_unread_count_and_mark_read(client, login_as, make_user):
    user = login_as()
    other = make_user()
    for i in range(3):
        notify(user, "rfi.answered", f"Answer {i}", link="/rfis/1", email=False)
    theirs = notify(other, "rfi.answered", "Not yours", email=False)
    db.session.commit()
    page = client.get("/notifications/")
    assert b"Answer 2" in page.data and b"Not yours" not in page.data
    assert b'id="unread-count">3' in page.data
    first = db.session.scalar(sa.select(Notification).where(Notification.title == "Answer 0"))
    opened = client.post(f"/notifications/{first.id}/open")
    assert opened.status_code == 302 and opened.location.endswith("/rfis/1")
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert b'id="unread-count">2' in client.get("/dashboard").data
    client.post("/notifications/read-all")
    assert b'id="unread-count"' not in client.get("/notifications/").data
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_open_never_redirects_off_site(client, login_as):
    user = login_as()
    notice = notify(user, "x", "Evil", link="//evil.example/steal", email=False)
    db.session.commit()
    response = client.post(f"/notifications/{notice.id}/open")
    assert response.location.endswith("/notifications/")
