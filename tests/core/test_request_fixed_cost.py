"""What every signed-in page costs: the navigation's unread count and the agreements
gate are read in the user's own statement, not as statements of their own."""

from __future__ import annotations

from bench.profile_page import statements_of
from flo_portal.core.extensions import db
from flo_portal.notifications.services import note_unread_count, notify, unread_count


def test_a_page_asks_nothing_more_for_the_unread_count_or_the_agreements(client, login_as):
    user = login_as()
    for i in range(2):
        notify(user, "rfi.answered", f"Answer {i}", email=False)
    db.session.commit()
    client.get("/users/profile")  # warm-up
    statements = statements_of(client, "/users/profile")
    own = [s for s in statements if s.startswith(("SELECT count(notification", "SELECT agreement"))]
    assert own == []
    assert statements[0].startswith("SELECT user_account.id")
    assert b'id="unread-count">2' in client.get("/users/profile").data


def test_a_write_of_notices_forgets_the_count_read_with_the_user(app, make_user):
    user = make_user()
    with app.test_request_context():
        note_unread_count(user.id, 7)  # what the user's statement read
        assert unread_count(user.id) == 7
        notify(user, "rfi.answered", "New", email=False)
        assert unread_count(user.id) == 1  # asked again: the stored count
