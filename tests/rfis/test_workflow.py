"""Each transition of the state machine, made by each role: allowed ones succeed, the
others are refused and leave the RFI as it was."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.rfis import workflow
from flo_portal.rfis.models import Rfi, RfiStatus, RfiStatusChange, Tlp
from flo_portal.rfis.workflow import TRANSITIONS, Action
from flo_portal.security.permissions import Role
from flo_portal.users.audience import Audience
from tests.factories import AgencyFactory
from tests.rfis.helpers import future, submit, task

CASES = [(t, role) for t in TRANSITIONS for role in Role]


def _by_requester(t) -> bool:
    return workflow.by_requester in t.guards


def _by_assignee(t) -> bool:
    return workflow.by_assignee in t.guards


def _on_requests(t) -> bool:
    return workflow.for_taskings not in t.guards


def _setup(t, role, make_user):
    """An RFI in t's first source state, with ``actor`` placed where t needs them if
    their role is allowed (otherwise someone else holds that place)."""
    agency = AgencyFactory()
    actor = make_user(role, agency=agency if not role.is_center_staff else None)
    allowed = role in t.roles
    analyst = make_user(Role.ANALYST)
    sender_is_staff = _by_requester(t) and allowed and role.is_center_staff
    if _on_requests(t) and not sender_is_staff:
        requester = (
            actor
            if (_by_requester(t) and allowed)
            else make_user(Role.LIAISON_OFFICER, agency=agency)
        )
        text = (
            "Threats made at the church picnic"
            if t.action.value.startswith("privacy")
            else "Theft of fuel"
        )
        rfi = submit(requester, question=text, tlp=Tlp.AMBER)
    else:
        sender = actor if (_by_requester(t) and allowed) else make_user(Role.COORDINATOR)
        flo = make_user(Role.LIAISON_OFFICER, agency=agency)
        rfi = task(sender, Audience(user_ids=[flo.id]))
    source = min(t.sources)
    rfi.status = source
    if _by_assignee(t) or source in (RfiStatus.ASSIGNED, RfiStatus.ANSWERED) and not rfi.is_tasking:
        rfi.assignee_id = actor.id if (_by_assignee(t) and allowed) else analyst.id
    db.session.commit()
    return rfi, actor, analyst


def _post(client, rfi, t, analyst):
    data = {
        f"{t.action.value}-version": str(rfi.version),
        f"{t.action.value}-note": "Needs a reason.",
        f"{t.action.value}-assignee_id": str(analyst.id),
        f"{t.action.value}-answer": "Here is the answer.",
        f"{t.action.value}-rating": "4",
    }
    if t.action == Action.RESUBMIT:
        data = {
            "version": str(rfi.version),
            "title": rfi.title,
            "question": "Revised: theft of fuel",
            "justification": rfi.justification,
            "priority": "routine",
            "tlp": "TLP:AMBER",
            "due_on": future(5).isoformat(),
            "attestation": "y",
        }
        return client.post(f"/rfis/{rfi.id}/resubmit", data=data)
    return client.post(f"/rfis/{rfi.id}/do/{t.action.value}", data=data)


@pytest.mark.parametrize("t,role", CASES, ids=[f"{t.action.value}-{r.value}" for t, r in CASES])
def test_transition_allowed_only_to_its_roles(app, client, login_as, make_user, t, role):
    if True:
        rfi, actor, analyst = _setup(t, role, make_user)
        login_as(actor)
        before, version = rfi.status, rfi.version
        response = _post(client, rfi, t, analyst)
        db.session.expire_all()
        rfi = db.session.get(Rfi, rfi.id)
        events = db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.object_type == "rfi", AuditEvent.object_id == str(rfi.id)
            )
        ).all()
        if role in t.roles:
            assert response.status_code == 302, response.data[:800]
            assert rfi.status == t.target
            assert rfi.version == version + 1
            assert f"rfi.{t.action.value}" in events
            change = db.session.scalars(
                sa.select(RfiStatusChange).where(
                    RfiStatusChange.rfi_id == rfi.id,
                    RfiStatusChange.action == t.action.value,
                )
            ).one()
            assert change.changed_by_id == actor.id
        else:
            assert response.status_code in (403, 404)
            assert rfi.status == before and rfi.version == version
            assert f"rfi.{t.action.value}" not in events


def test_the_table_is_the_brief():
    """submitted → accepted → assigned → answered → closed, or returned / rejected."""
    by = workflow.BY_ACTION
    assert by[Action.ACCEPT].target == RfiStatus.ACCEPTED and by[Action.ACCEPT].roles == {
        Role.COORDINATOR
    }
    assert by[Action.ASSIGN].sources == {RfiStatus.ACCEPTED, RfiStatus.ASSIGNED}
    assert _by_assignee(by[Action.ANSWER])
    assert _by_requester(by[Action.CLOSE]) and by[Action.CLOSE].target == RfiStatus.CLOSED
    assert (
        by[Action.REJECT].needs_note
        and by[Action.RETURN].needs_note
        and by[Action.PRIVACY_RETURN].needs_note
    )
    assert by[Action.PRIVACY_APPROVE].roles == {Role.PRIVACY_OFFICER}
    # Nothing leaves closed or rejected.
    assert not [t for t in TRANSITIONS if t.sources & {RfiStatus.CLOSED, RfiStatus.REJECTED}]


def test_only_allowed_actions_are_offered(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    rfi = submit(flo)
    coordinator = make_user(Role.COORDINATOR)
    login_as(coordinator)
    page = client.get(f"/rfis/{rfi.id}").get_data(as_text=True)
    assert 'data-action="accept"' in page and 'data-action="reject"' in page
    assert 'data-action="answer"' not in page and 'data-action="close"' not in page
    login_as(flo)
    page = client.get(f"/rfis/{rfi.id}").get_data(as_text=True)
    assert "data-action=" not in page


def test_reject_without_reason_is_refused_with_a_message(client, login_as, make_user):
    rfi = submit(make_user(Role.LIAISON_OFFICER))
    login_as(Role.COORDINATOR)
    response = client.post(
        f"/rfis/{rfi.id}/do/reject",
        data={"reject-version": str(rfi.version), "reject-note": ""},
    )
    assert response.status_code == 422
    assert "Give a reason" in response.get_data(as_text=True)
    db.session.refresh(rfi)
    assert rfi.status == RfiStatus.SUBMITTED


def test_stale_form_is_refused_not_overwritten(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    rfi = submit(flo)
    coordinator = login_as(Role.COORDINATOR)
    old_version = rfi.version
    # Someone else returns it meanwhile.
    from flo_portal.rfis import services

    services.perform(
        coordinator,
        rfi,
        Action.RETURN,
        expected_version=old_version,
        note="Which depot?",
    )
    db.session.commit()
    response = client.post(
        f"/rfis/{rfi.id}/do/reject",
        data={"reject-version": str(old_version), "reject-note": "Out of scope"},
    )
    assert response.status_code == 409
    assert "Someone else changed this RFI" in response.get_data(as_text=True)
    db.session.refresh(rfi)
    assert rfi.status == RfiStatus.RETURNED and rfi.reject_reason == ""


def test_full_journey_with_rating_and_turnaround(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    coordinator = make_user(Role.COORDINATOR)
    analyst = make_user(Role.ANALYST)
    rfi = submit(flo)

    def post(user, action, **fields):
        login_as(user)
        db.session.refresh(rfi)
        data = {f"{action}-version": str(rfi.version)} | {
            f"{action}-{k}": v for k, v in fields.items()
        }
        r = client.post(f"/rfis/{rfi.id}/do/{action}", data=data)
        assert r.status_code == 302, r.data[:500]

    post(coordinator, "accept")
    post(coordinator, "assign", assignee_id=str(analyst.id))
    post(analyst, "answer", answer="The tanker was recovered.")
    post(flo, "close", rating="5", note="Thanks")
    db.session.refresh(rfi)
    assert rfi.status == RfiStatus.CLOSED and rfi.satisfaction == 5
    assert rfi.answered_at >= rfi.submitted_at
    kinds = [h.action for h in rfi.history]
    assert kinds == ["submit", "accept", "assign", "answer", "close"]


def test_csrf_is_enforced(app, client, login_as, make_user):
    rfi = submit(make_user(Role.LIAISON_OFFICER))
    login_as(Role.COORDINATOR)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/rfis/{rfi.id}/do/accept", data={"accept-version": str(rfi.version)})
    assert response.status_code == 400
    db.session.refresh(rfi)
    assert rfi.status == RfiStatus.SUBMITTED
