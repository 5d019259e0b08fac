"""RFI e-mails follow the one rule for marked text (``core.tlp.email_may_carry_text``):
for TLP:CLEAR and TLP:GREEN the RFI's title follows the reference; for TLP:AMBER,
TLP:AMBER+STRICT and TLP:RED the mail says the reference, the label and a link only.
The question, the answer and the conversation never go out by e-mail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.notifications.models import OutboxEmail
from flo_portal.rfis import services
from flo_portal.rfis.models import Tlp
from flo_portal.rfis.workflow import Action
from flo_portal.security.permissions import Role
from tests.rfis.helpers import submit

TITLE = "Tanker theft ring at Pier 9"
QUESTION = "Any reports of the stolen tanker near the port?"
MESSAGE = "Informant K-7 says the tanker moves Tuesday night"
ANSWER = "Seen at the north depot on 3 May."


def _journey(make_user, tlp) -> tuple:
    flo = make_user(Role.LIAISON_OFFICER)
    coordinator = make_user(Role.COORDINATOR)
    analyst = make_user(Role.ANALYST)
    rfi = submit(flo, title=TITLE, question=QUESTION, tlp=tlp)
    services.perform(coordinator, rfi, Action.ACCEPT, expected_version=rfi.version)
    services.perform(
        coordinator, rfi, Action.ASSIGN, expected_version=rfi.version, assignee_id=analyst.id
    )
    services.post_message(flo, rfi, MESSAGE)
    services.perform(analyst, rfi, Action.ANSWER, expected_version=rfi.version, answer=ANSWER)
    db.session.commit()
    emails = db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert {"rfi.submitted", "rfi.assigned", "rfi.message", "rfi.answered"} <= {
        e.kind for e in emails
    }
    return rfi, emails


@pytest.mark.parametrize("tlp", [Tlp.CLEAR, Tlp.GREEN], ids=lambda t: t.value)
def test_clear_and_green_mail_carries_the_title_after_the_reference(make_user, tlp):
    rfi, emails = _journey(make_user, tlp)
    for email in emails:
        assert f"{rfi.reference} “{TITLE}”" in email.subject, (email.kind, email.subject)
        assert email.body_text.startswith(email.subject + "\n"), email.kind
        assert tlp.label in email.body_text and f"/rfis/{rfi.id}" in email.body_text
        text = email.subject + "\n" + email.body_text
        for secret in (QUESTION, MESSAGE, "Informant", ANSWER):
            assert secret not in text, (email.kind, text)


@pytest.mark.parametrize("tlp", [Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED], ids=lambda t: t.value)
def test_amber_and_red_mail_carries_reference_label_and_link_only(make_user, tlp):
    rfi, emails = _journey(make_user, tlp)
    for email in emails:
        text = email.subject + "\n" + email.body_text
        for secret in (TITLE, "Pier 9", QUESTION, MESSAGE, "Informant", ANSWER):
            assert secret not in text, (email.kind, text)
        assert rfi.reference in email.subject and tlp.label in email.body_text
        assert f"/rfis/{rfi.id}" in email.body_text and "Sign in" in email.body_text


def test_the_title_in_a_subject_is_one_line_and_bounded(make_user):
    make_user(Role.COORDINATOR)
    long_title = "Drones\r\nover  the\u2028substation " + "x" * 160  # the column holds 200
    rfi = submit(make_user(Role.LIAISON_OFFICER), title=long_title, tlp=Tlp.GREEN)
    (email,) = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.kind == "rfi.submitted")
    ).all()
    assert "\r" not in email.subject and "\n" not in email.subject
    assert "\u2028" not in email.subject
    assert f"{rfi.reference} “Drones over the substation x" in email.subject
    assert len(email.subject) < 200 and "…" in email.subject
