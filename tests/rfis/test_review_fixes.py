"""Review fixes: one read service for page and API (dissemination log), ASCII-only
numbers from forms and query strings, a race-safe dissemination log, e-mails without
RFI text, and an audited queue search."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification, OutboxEmail
from flo_portal.rfis import services
from flo_portal.rfis.dissemination import log_answer_received
from flo_portal.rfis.models import Rfi, RfiDissemination, RfiStatus, Tlp
from flo_portal.rfis.workflow import Action
from flo_portal.security.permissions import Role
from flo_portal.users.models import User
from tests.factories import audit_events
from tests.markers import needs_postgres
from tests.rfis.helpers import answer_as, force, submit

SECRET_TITLE = "Tanker theft ring at Pier 9"
SECRET_TEXT = "Informant K-7 says the tanker moves Tuesday night"
ANSWER = "Seen at the north depot on 3 May."


def _answered(make_user, *, tlp=Tlp.AMBER):
    flo = make_user(Role.LIAISON_OFFICER)
    rfi = submit(flo, tlp=tlp)
    analyst = make_user(Role.ANALYST)
    answer_as(analyst, rfi, ANSWER)
    return flo, analyst, rfi


def _log():
    return db.session.execute(
        sa.select(RfiDissemination.user_id, RfiDissemination.rule).order_by(RfiDissemination.id)
    ).all()


# --- 1. one read service: the page and the API both log the dissemination ----------------


def test_read_rfi_writes_the_view_event_and_the_dissemination_once(make_user):
    flo, _analyst, rfi = _answered(make_user)
    colleague = make_user(Role.LIAISON_OFFICER, agency=flo.agency)
    services.read_rfi(colleague, rfi, via="api")
    services.read_rfi(colleague, rfi, via="web")
    db.session.commit()
    assert _log() == [
        (flo.id, "requester"),
        (colleague.id, "same agency as the requester (TLP:AMBER)"),
    ]
    views = audit_events("rfi.viewed")
    assert [(e.actor_id, e.details["via"]) for e in views] == [
        (colleague.id, "api"),
        (colleague.id, "web"),
    ]


def test_the_page_logs_who_read_the_answer(client, login_as, make_user):
    flo, _analyst, rfi = _answered(make_user)
    colleague = login_as(make_user(Role.LIAISON_OFFICER, agency=flo.agency))
    response = client.get(f"/rfis/{rfi.id}")
    assert response.status_code == 200 and ANSWER in response.get_data(as_text=True)
    assert (colleague.id, "same agency as the requester (TLP:AMBER)") in _log()
    assert [e.actor_id for e in audit_events("rfi.viewed")] == [colleague.id]


# --- 2. ASCII digits only: a bad number is a form error or an ignored filter ------------


@pytest.mark.parametrize("bad", ["²", "٣", "99999999999999999999", "-1", ""])
def test_a_bad_version_is_a_form_error_not_a_500(client, login_as, make_user, bad):
    flo = make_user(Role.LIAISON_OFFICER)
    rfi = submit(flo)
    login_as(Role.COORDINATOR)
    response = client.post(f"/rfis/{rfi.id}/do/accept", data={"accept-version": bad})
    assert response.status_code == 422
    assert "reload the page" in response.get_data(as_text=True)
    assert RfiStatus(db.session.get(Rfi, rfi.id).status) == RfiStatus.SUBMITTED


def test_a_bad_version_on_the_retention_marking_is_a_400(client, login_as, make_user):
    rfi = submit(make_user(Role.LIAISON_OFFICER))
    login_as(Role.COORDINATOR)
    response = client.post(
        f"/rfis/{rfi.id}/criminal-intelligence",
        data={"ci-version": "²", "ci-criminal_intelligence": "y"},
    )
    assert response.status_code == 400
    assert db.session.get(Rfi, rfi.id).criminal_intelligence is False


def test_a_bad_version_on_resubmit_is_a_form_error(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    rfi = submit(flo)
    force(rfi, status=RfiStatus.RETURNED, return_note="More detail")
    login_as(flo)
    response = client.post(
        f"/rfis/{rfi.id}/resubmit",
        data={
            "version": "²",
            "title": "t",
            "question": "q",
            "justification": "j",
            "due_on": rfi.due_on.isoformat(),
            "priority": "routine",
            "tlp": "TLP:AMBER",
        },
    )
    assert response.status_code == 422
    assert RfiStatus(db.session.get(Rfi, rfi.id).status) == RfiStatus.RETURNED


@pytest.mark.parametrize("bad", ["²", "99999999999999999999", "1.5"])
@pytest.mark.parametrize("name", ["agency", "assignee"])
def test_a_bad_queue_filter_is_ignored_with_a_message(client, login_as, make_user, name, bad):
    rfi = submit(make_user(Role.LIAISON_OFFICER))
    login_as(Role.COORDINATOR)
    response = client.get("/rfis/queue", query_string={name: bad})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Ignored a filter that is not a valid choice: {name}" in page
    assert rfi.reference in page  # the filter was dropped, the queue still shows


def test_unassigned_filter_still_works(client, login_as, make_user):
    rfi = submit(make_user(Role.LIAISON_OFFICER))
    login_as(Role.COORDINATOR)
    page = client.get("/rfis/queue?assignee=0").get_data(as_text=True)
    assert rfi.reference in page and "Ignored a filter" not in page


# --- 3. the dissemination log survives a double submit -----------------------------------


def test_logging_twice_in_one_transaction_writes_one_row(make_user):
    flo, _analyst, rfi = _answered(make_user)
    colleague = make_user(Role.LIAISON_OFFICER, agency=flo.agency)
    assert log_answer_received(colleague, rfi) is not None
    assert log_answer_received(colleague, rfi) is None
    db.session.commit()
    assert len(_log()) == 2


@needs_postgres
def test_concurrent_reads_of_an_answer_log_it_once(app, make_user):
    """Request A has written the row but not committed; request B checks (sees nothing),
    inserts, and waits on A's unique key. When A commits, B must not fail."""
    flo, _analyst, rfi = _answered(make_user)
    colleague = make_user(Role.LIAISON_OFFICER, agency=flo.agency)
    rfi_id, user_id = rfi.id, colleague.id
    log_answer_received(colleague, rfi)  # request A: flushed, not committed
    errors: list[BaseException] = []

    def request_b() -> None:
        with app.app_context():
            try:
                log_answer_received(db.session.get(User, user_id), db.session.get(Rfi, rfi_id))
                db.session.commit()
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=request_b)
    thread.start()
    waiting = 0
    with db.engine.connect() as probe:  # wait until B is blocked on A's row (no sleeps)
        for _ in range(100_000):
            waiting = probe.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            ).scalar_one()
            if waiting or not thread.is_alive():
                break
    assert waiting == 1
    db.session.commit()  # request A
    thread.join(timeout=60)
    assert not errors, errors
    assert (
        db.session.scalar(
            sa.select(sa.func.count(RfiDissemination.id)).where(RfiDissemination.user_id == user_id)
        )
        == 1
    )


# --- 4. e-mails carry the reference, the TLP label and a link; never RFI text -------------


def test_amber_rfi_text_never_goes_out_by_email(make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    coordinator = make_user(Role.COORDINATOR)
    analyst = make_user(Role.ANALYST)
    rfi = submit(flo, title=SECRET_TITLE, tlp=Tlp.AMBER)
    services.perform(coordinator, rfi, Action.ACCEPT, expected_version=rfi.version)
    services.perform(
        coordinator, rfi, Action.ASSIGN, expected_version=rfi.version, assignee_id=analyst.id
    )
    services.post_message(flo, rfi, SECRET_TEXT)
    services.post_message(analyst, rfi, SECRET_TEXT + " (confirmed)")
    services.perform(analyst, rfi, Action.ANSWER, expected_version=rfi.version, answer=ANSWER)
    db.session.commit()

    emails = db.session.scalars(sa.select(OutboxEmail)).all()
    kinds = {e.kind for e in emails}
    assert {"rfi.submitted", "rfi.assigned", "rfi.message", "rfi.answered"} <= kinds
    for email in emails:
        text = email.subject + "\n" + email.body_text
        for secret in (SECRET_TITLE, SECRET_TEXT, "Informant", ANSWER):
            assert secret not in text, (email.kind, text)
        assert rfi.reference in text and "TLP:AMBER" in email.body_text, email.kind
        assert f"/rfis/{rfi.id}" in email.body_text and "Sign in" in email.body_text
    # In-app notices (behind the sign-in) may keep the title and the message text.
    bodies = db.session.scalars(sa.select(Notification.body)).all()
    assert SECRET_TITLE in bodies and SECRET_TEXT[:200] in bodies


def test_due_reminder_emails_carry_no_title(make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    make_user(Role.COORDINATOR)
    rfi = submit(flo, title=SECRET_TITLE, due_days=1)
    db.session.execute(sa.delete(OutboxEmail))
    assert services.notify_due_rfis() >= 1
    db.session.commit()
    emails = db.session.scalars(sa.select(OutboxEmail)).all()
    assert emails and all(SECRET_TITLE not in e.subject + e.body_text for e in emails)
    assert all(rfi.reference in e.subject for e in emails)


# --- 5. the queue search is audited (filter names and count, not the text) ----------------


def test_queue_search_is_audited_without_the_search_text(client, login_as, make_user):
    submit(make_user(Role.LIAISON_OFFICER), title=SECRET_TITLE)
    submit(make_user(Role.LIAISON_OFFICER), title="Something else")
    coordinator = login_as(Role.COORDINATOR)
    response = client.get("/rfis/queue", query_string={"q": "Pier 9", "status": "open"})
    assert response.status_code == 200 and SECRET_TITLE in response.get_data(as_text=True)
    (event,) = audit_events("rfi.searched")
    assert event.actor_id == coordinator.id
    assert event.details["filters"] == ["status", "q"] and event.details["results"] == 1
    assert "Pier" not in event.summary + str(event.details)

    client.get("/rfis/queue")  # the plain queue is not a search
    assert len(audit_events("rfi.searched")) == 1
