"""A refused RFI action answers what the workflow engine decides, on the pages and the
API alike (issue 11): 409 when the RFI's state does not allow it (for anybody), 403 when
it is possible but not for this user (their role, or their part in it: requester,
assignee, the RFI's direction). The RFI is left as it was."""

from __future__ import annotations

from flo_portal.api.models import TokenScope
from flo_portal.api.tokens import create_token
from flo_portal.core.extensions import db
from flo_portal.rfis.models import Rfi, RfiStatus
from flo_portal.security.permissions import Role
from flo_portal.users.audience import Audience
from tests.api.conftest import error_of
from tests.rfis.helpers import force, submit, task


def _bearer(user) -> dict:
    _row, text = create_token(user, "test token", TokenScope.READ_WRITE, 30)
    db.session.commit()
    return {"Authorization": f"Bearer {text}"}


def _unchanged(rfi, status, version) -> None:
    db.session.expire_all()
    again = db.session.get(Rfi, rfi.id)
    assert again.status == status and again.version == version


def test_wrong_state_is_409_on_the_page_and_the_api(client, login_as, make_user):
    rfi = submit(make_user(Role.LIAISON_OFFICER))
    analyst = make_user(Role.ANALYST)
    version = rfi.version
    login_as(make_user(Role.COORDINATOR))
    page = client.post(
        f"/rfis/{rfi.id}/do/close", data={"close-version": str(version), "close-rating": "4"}
    )
    assert page.status_code == 409
    assert "not possible" in page.get_data(as_text=True)
    login_as(analyst)
    page = client.post(
        f"/rfis/{rfi.id}/do/answer", data={"answer-version": str(version), "answer-answer": "x"}
    )
    assert page.status_code == 409
    api = client.post(
        f"/api/v1/rfis/{rfi.id}/answer",
        json={"version": version, "answer": "x"},
        headers=_bearer(analyst),
    )
    assert api.status_code == 409 and error_of(api)["code"] == "conflict"
    assert "not possible" in error_of(api)["message"]
    _unchanged(rfi, RfiStatus.SUBMITTED, version)


def test_not_the_assignee_is_403_on_the_page_and_the_api(client, login_as, make_user):
    assignee = make_user(Role.ANALYST)
    other = make_user(Role.ANALYST)
    rfi = submit(make_user(Role.LIAISON_OFFICER))
    force(rfi, status=RfiStatus.ASSIGNED, assignee_id=assignee.id)
    version = rfi.version
    login_as(other)
    page = client.post(
        f"/rfis/{rfi.id}/do/answer", data={"answer-version": str(version), "answer-answer": "x"}
    )
    assert page.status_code == 403
    assert "only the person it is assigned to" in page.get_data(as_text=True)
    api = client.post(
        f"/api/v1/rfis/{rfi.id}/answer",
        json={"version": version, "answer": "x"},
        headers=_bearer(other),
    )
    assert api.status_code == 403 and error_of(api)["code"] == "forbidden"
    _unchanged(rfi, RfiStatus.ASSIGNED, version)


def test_a_tasking_only_transition_on_a_request_is_403(client, login_as, make_user):
    """Direction is a guard: "mark complete" belongs to taskings, not to requests."""
    coordinator = make_user(Role.COORDINATOR)
    rfi = submit(make_user(Role.LIAISON_OFFICER))
    force(rfi, status=RfiStatus.ASSIGNED, assignee_id=coordinator.id, requester_id=coordinator.id)
    version = rfi.version
    login_as(coordinator)
    page = client.post(f"/rfis/{rfi.id}/do/complete", data={"complete-version": str(version)})
    assert page.status_code == 403
    assert "only a tasking" in page.get_data(as_text=True)
    _unchanged(rfi, RfiStatus.ASSIGNED, version)


def test_resubmit_page_wrong_state_409_not_the_requester_403(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    colleague = make_user(Role.LIAISON_OFFICER, agency=flo.agency)  # sees the agency's RFIs
    rfi = submit(flo)
    login_as(flo)
    assert client.get(f"/rfis/{rfi.id}/resubmit").status_code == 409
    force(rfi, status=RfiStatus.RETURNED)
    assert client.get(f"/rfis/{rfi.id}/resubmit").status_code == 200
    login_as(colleague)
    assert client.get(f"/rfis/{rfi.id}/resubmit").status_code == 403


def test_messages_closed_409_not_a_participant_403(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    privacy = make_user(Role.PRIVACY_OFFICER)
    rfi = submit(flo, question="Who organised the protest last week?")
    assert rfi.privacy_flagged
    force(rfi, status=RfiStatus.ACCEPTED)  # the privacy officer still sees it
    login_as(privacy)
    assert client.post(f"/rfis/{rfi.id}/messages", data={"body": "A note"}).status_code == 403
    api = client.post(
        f"/api/v1/rfis/{rfi.id}/messages", json={"body": "A note"}, headers=_bearer(privacy)
    )
    assert api.status_code == 403 and error_of(api)["code"] == "forbidden"
    force(rfi, status=RfiStatus.CLOSED)
    login_as(flo)
    assert client.post(f"/rfis/{rfi.id}/messages", data={"body": "One more"}).status_code == 409
    api = client.post(
        f"/api/v1/rfis/{rfi.id}/messages", json={"body": "One more"}, headers=_bearer(flo)
    )
    assert api.status_code == 409 and error_of(api)["code"] == "conflict"
    assert not rfi.messages


def test_tasking_response_not_addressed_403_no_longer_open_409(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    sender = make_user(Role.ANALYST)
    rfi = task(sender, Audience(user_ids=[flo.id]))
    login_as(make_user(Role.COORDINATOR))  # sees every RFI, is not an addressee
    assert client.post(f"/rfis/{rfi.id}/respond", data={"response": "Me"}).status_code == 403
    force(rfi, status=RfiStatus.ANSWERED)
    login_as(flo)
    assert client.post(f"/rfis/{rfi.id}/respond", data={"response": "Late"}).status_code == 409
    db.session.expire_all()
    assert all(r.response == "" for r in db.session.get(Rfi, rfi.id).recipients)
