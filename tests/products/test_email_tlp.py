"""Product e-mails follow the one rule for marked text (``core.tlp.email_may_carry_text``):
CLEAR and GREEN mails carry the title and summary; AMBER, AMBER+STRICT and RED mails carry
only the reference, the type, the TLP label and a link to sign in. In-app notices keep
the title whatever the TLP."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.notifications.models import OutboxEmail
from flo_portal.products import services
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory, notices
from tests.products.helpers import draft, publish, staff

TITLE = "Zebrafinch convoy sighted"
SUMMARY = "Quetzal summary words"
BODY = "Ocelot body words"
SECRET_WORDS = ("Zebrafinch", "Quetzal", "Ocelot")


def _mails(user) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            sa.select(OutboxEmail)
            .where(OutboxEmail.to_address == user.email)
            .order_by(OutboxEmail.id)
        )
    )


def _assert_marking_only(mail: OutboxEmail, product, label: str) -> None:
    text = mail.subject + "\n" + mail.body_text
    for word in SECRET_WORDS:
        assert word not in text, (word, text)
    assert product.reference in mail.subject and f"[{label}]" in mail.subject
    assert product.type_enum.label in mail.subject
    assert label in mail.body_text and product.reference in mail.body_text
    assert "Sign in to read it:" in mail.body_text


def _audience(tlp: str, flo) -> dict:
    # RED goes to named people only; the others here reach the FLO's agency.
    if tlp == "TLP:RED":
        return {"user_ids": [flo.id]}
    return {"agency_ids": [flo.agency_id]}


def _published_to_a_flo(make_user, tlp):
    """Staff, an FLO of another agency and a product published to them under ``tlp``."""
    people = staff(make_user)
    flo = make_user(Role.LIAISON_OFFICER, agency=AgencyFactory())
    body = {"title": TITLE, "summary": SUMMARY, "body_md": BODY, "tlp": tlp}
    product = publish(
        draft(people["author"], **body, audience=_audience(tlp, flo)), people["coordinator"]
    )
    return people, flo, product


@pytest.mark.parametrize("tlp", ["TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"])
def test_marked_products_mail_only_reference_type_label_and_link(make_user, tlp):
    people, flo, product = _published_to_a_flo(make_user, tlp)
    [mail] = _mails(flo)
    _assert_marking_only(mail, product, tlp)
    assert f"/products/{product.id}" in mail.body_text
    # The in-app notice keeps the title: it stays in the portal.
    [notice] = notices(flo, "product.published")
    assert TITLE in notice.title and SUMMARY in notice.body

    # A revision, then a withdrawal: the same rule.
    services.update_product(product, {"summary": SUMMARY + " again"}, people["coordinator"], "x")
    services.transition(product, "withdraw", people["coordinator"], "Quetzal source recalled")
    db.session.commit()
    mails = _mails(flo)
    assert len(mails) == 3
    for m in mails:
        _assert_marking_only(m, product, tlp)
    assert mails[1].subject.startswith("Updated (v2): ")
    assert mails[2].subject.startswith("Withdrawn: ")
    [withdrawn] = notices(flo, "product.withdrawn")
    assert "Quetzal source recalled" in withdrawn.body  # in the portal, not in the mail


@pytest.mark.parametrize("tlp", ["TLP:CLEAR", "TLP:GREEN"])
def test_clear_and_green_products_mail_title_and_summary(make_user, tlp):
    people, flo, product = _published_to_a_flo(make_user, tlp)
    [mail] = _mails(flo)
    assert mail.subject == f"[{tlp}] {TITLE}"
    assert SUMMARY in mail.body_text and f"/products/{product.id}" in mail.body_text


def test_review_mails_follow_the_rule_too(make_user):
    """Privacy review and return to the author: AMBER mails say no title; GREEN ones may."""
    people = staff(make_user)
    amber = draft(people["author"], title=TITLE, tlp="TLP:AMBER", privacy_review_requested=True)
    services.transition(amber, "submit", people["author"])
    services.transition(amber, "return", people["privacy"], "Ocelot wording must go")
    db.session.commit()
    [to_privacy] = _mails(people["privacy"])
    _assert_marking_only(to_privacy, amber, "TLP:AMBER")
    assert to_privacy.subject.startswith("Privacy review: ")
    [to_author] = _mails(people["author"])
    _assert_marking_only(to_author, amber, "TLP:AMBER")
    assert to_author.subject.endswith("returned to you")
    [notice] = notices(people["privacy"], "product.privacy_review")
    assert TITLE in notice.body

    green = draft(people["author"], title="Plain heading", privacy_review_requested=True)
    services.transition(green, "submit", people["author"])
    db.session.commit()
    mail = _mails(people["privacy"])[-1]
    assert "Plain heading" in mail.body_text


def test_officer_safety_reminders_and_shares_of_amber_products(make_user):
    from datetime import UTC, datetime, time, timedelta

    people = staff(make_user)
    agency = AgencyFactory()
    flo = make_user(Role.LIAISON_OFFICER, agency=agency)
    colleague = make_user(Role.LIAISON_OFFICER, agency=agency)
    outsider = make_user(Role.LIAISON_OFFICER, agency=AgencyFactory())
    product = publish(
        draft(
            people["author"],
            product_type="officer_safety",
            title=TITLE,
            summary=SUMMARY,
            tlp="TLP:AMBER",
            audience={"user_ids": [flo.id]},
        ),
        people["coordinator"],
    )
    [first] = _mails(flo)
    _assert_marking_only(first, product, "TLP:AMBER")
    assert "acknowledge" in first.body_text
    services.share_product(product, flo, colleague)
    db.session.commit()
    [shared] = _mails(colleague)
    _assert_marking_only(shared, product, "TLP:AMBER")
    assert shared.subject.startswith(f"{flo.name} shared ")
    receipt_at = services.current_receipt(product, flo).disseminated_at
    later = datetime.combine(receipt_at.date() + timedelta(days=1), time(9), tzinfo=UTC)
    assert services.renotify_unacknowledged_alerts(later) == 2
    db.session.commit()
    reminder = _mails(flo)[-1]
    _assert_marking_only(reminder, product, "TLP:AMBER")
    assert reminder.subject.startswith("Reminder — acknowledge: ")
    assert _mails(outsider) == []
