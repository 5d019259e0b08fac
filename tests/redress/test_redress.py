"""Redress requests: filing, bad input, review to an answer, visibility, due date."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import sqlalchemy as sa

from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification, OutboxEmail
from flo_portal.redress import services
from flo_portal.redress.models import RedressRequest, RedressStatus
from flo_portal.security.permissions import Role
from tests.factories import audit_actions


def _form(**over):
    data = {
        "requester_name": "Dana Doe",
        "requester_contact": "dana@example.org",
        "subject": "Record of my traffic stop",
        "description": "I believe a field interview about me was shared with the center. Please review it.",
    }
    data.update(over)
    return data


def _file(user, subject="Record of my traffic stop"):
    req = services.file_request(
        user,
        requester_name=user.name,
        requester_contact=user.email,
        subject=subject,
        description="Please review what you hold about me.",
    )
    db.session.commit()
    return req


_actions = partial(audit_actions, "redress_request")


def test_any_user_files_a_request_due_in_30_days(client, login_as, make_user):
    officer = make_user(Role.PRIVACY_OFFICER)
    user = login_as(Role.ADMIN)
    assert "Your name" in client.get("/redress/new").get_data(as_text=True)
    response = client.post("/redress/new", data=_form())
    assert response.status_code == 302
    req = db.session.scalars(sa.select(RedressRequest)).one()
    assert req.requester_id == user.id and req.status == RedressStatus.RECEIVED
    assert req.due_on == clock.today() + timedelta(days=30)
    assert _actions(req.id) == ["redress.received"]
    notice = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == officer.id)
    ).one()
    assert req.reference in notice.title and notice.link == f"/redress/{req.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "Record of my traffic stop" in page and f"Answer due {req.due_on.isoformat()}" in page
    assert _actions(req.id)[-1] == "redress.viewed"


def test_bad_input_is_refused_with_messages(client, login_as):
    login_as(Role.LIAISON_OFFICER)
    for field, message in [
        ("requester_name", "Give your name."),
        ("requester_contact", "Say how the privacy officer can reach you."),
        ("subject", "Give a subject."),
        ("description", "Describe what you want reviewed."),
    ]:
        response = client.post("/redress/new", data=_form(**{field: "   "}))
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    response = client.post("/redress/new", data=_form(subject="x" * 201))
    assert response.status_code == 422 and "200 characters" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(RedressRequest.id))) == 0


def test_privacy_officer_reviews_and_answers_and_the_requester_sees_it(client, login_as, make_user):
    requester = make_user(Role.AGENCY_HEAD)
    req = _file(requester)
    officer = login_as(Role.PRIVACY_OFFICER)
    assert req.reference in client.get("/redress/").get_data(as_text=True)
    assert client.post(f"/redress/{req.id}/do/start_review").status_code == 302
    db.session.refresh(req)
    assert req.status == RedressStatus.IN_REVIEW and req.reviewer_id == officer.id
    response = client.post(f"/redress/{req.id}/do/answer", data={"answer-answer": ""})
    assert (
        response.status_code == 422
        and "Write the answer to the requester." in response.get_data(as_text=True)
    )
    response = client.post(
        f"/redress/{req.id}/do/answer",
        data={"answer-answer": "The record was purged on review; nothing was shared."},
    )
    assert response.status_code == 302
    db.session.refresh(req)
    assert req.status == RedressStatus.ANSWERED and req.answered_by_id == officer.id
    assert _actions(req.id) == ["redress.received", "redress.start_review", "redress.answer"]
    notice = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == requester.id)
    ).one()
    assert notice.kind == "redress.answered"
    assert db.session.scalar(
        sa.select(OutboxEmail).where(OutboxEmail.to_address == requester.email)
    )
    # Answering again is not in the transition table.
    response = client.post(f"/redress/{req.id}/do/answer", data={"answer-answer": "again"})
    assert response.status_code == 409
    assert client.post(f"/redress/{req.id}/do/reopen").status_code == 404
    login_as(requester)
    page = client.get(f"/redress/{req.id}").get_data(as_text=True)
    assert "The record was purged on review" in page


def test_requesters_see_only_their_own_and_cannot_answer(client, login_as, make_user):
    alice, bob = make_user(Role.LIAISON_OFFICER), make_user(Role.ANALYST)
    mine, theirs = _file(alice, "Alice's file"), _file(bob, "Bob's file")
    login_as(alice)
    page = client.get("/redress/").get_data(as_text=True)
    assert "Alice&#39;s file" in page and "Bob&#39;s file" not in page
    assert client.get(f"/redress/{mine.id}").status_code == 200
    assert client.get(f"/redress/{theirs.id}").status_code == 404
    assert client.get("/redress/424242").status_code == 404
    assert (
        client.post(f"/redress/{mine.id}/do/answer", data={"answer-answer": "self"}).status_code
        == 403
    )
    db.session.refresh(mine)
    assert mine.status == RedressStatus.RECEIVED


def test_overdue_requests_are_highlighted(client, login_as, make_user):
    late = _file(make_user(Role.LIAISON_OFFICER), "Old request")
    late.due_on = clock.today() - timedelta(days=1)
    db.session.commit()
    _file(make_user(Role.LIAISON_OFFICER), "Fresh request")
    login_as(Role.PRIVACY_OFFICER)
    page = client.get("/redress/").get_data(as_text=True)
    assert page.count("table-danger") == 1 and "overdue" in page
    assert "1 overdue" in client.get("/dashboard").get_data(as_text=True)
    assert 'id="redress-overdue"' in client.get(f"/redress/{late.id}").get_data(as_text=True)
