"""``core.request_cache.per_request``: a read made once per request, never longer (not
past the request when the app context outlives it, not past a flush of the request)."""

from __future__ import annotations

from flo_portal.core.extensions import db
from flo_portal.core.request_cache import per_request
from flo_portal.users.models import User

CALLS: list[int] = []


@per_request
def _emails_read(n: int) -> int:
    CALLS.append(n)
    return len(CALLS)


def test_one_read_per_request_and_arguments(app):
    CALLS.clear()
    with app.test_request_context("/"):
        assert _emails_read(1) == _emails_read(1) == 1
        assert _emails_read(2) == 2
    with app.test_request_context("/"):  # the same app context: a new request, a new read
        assert _emails_read(1) == 3
    assert _emails_read(1) == 4  # outside a request the function simply runs
    assert _emails_read(1) == 5


def test_a_flush_forgets_what_was_read(app, make_user):
    CALLS.clear()
    user_id = make_user("liaison_officer").id
    with app.test_request_context("/"):
        user = db.session.get(User, user_id)
        assert _emails_read(1) == _emails_read(1) == 1
        user.name = "Renamed"
        db.session.flush()
        assert _emails_read(1) == 2
        assert _emails_read(1) == 2


def test_a_noted_value_is_for_its_owner_and_request_until_forgotten(app, make_user):
    from flo_portal.core.request_cache import forget, note, noted

    with app.test_request_context("/"):
        note("unread", 7, 3)
        note("unread", 7, 9)  # the first noted value stands
        assert noted("unread", 7) == 3
        assert noted("unread", 8) is None  # another owner's is not this one's
        make_user()
        db.session.flush()  # unlike a per_request read, a flush does not drop it
        assert noted("unread", 7) == 3
        forget("unread")
        assert noted("unread", 7, "asked again") == "asked again"
        note("unread", 7, 4)
    with app.test_request_context("/"):  # the same app context, a new request
        assert noted("unread", 7) is None
    assert noted("unread", 7) is None  # outside a request nothing is kept


def test_a_page_of_forms_carries_one_working_csrf_input(app, client, login_as, monkeypatch):
    # core.formtools renders the CSRF input once a request (noted in core.request_cache):
    # every form of the page carries the same token, and it is accepted.
    import re

    from flo_portal.notifications.services import notify

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = login_as()
    for i in range(3):
        notify(user, "rfi.answered", f"Answer {i}", email=False)
    db.session.commit()
    html = client.get("/notifications/").get_data(as_text=True)
    tokens = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert len(tokens) >= 4 and len(set(tokens)) == 1  # sign-out + a form per notice
    again = client.get("/notifications/").get_data(as_text=True)
    assert re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', again)
    refused = client.post("/notifications/read-all", data={"csrf_token": "forged"})
    assert refused.status_code == 400
    done = client.post("/notifications/read-all", data={"csrf_token": tokens[0]})
    assert done.status_code in (302, 303)
