"""The state machine, privacy review, four eyes, versions after publishing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification, OutboxEmail
from flo_portal.products import services
from flo_portal.products.models import (
    PrivacyStatus,
    Product,
    ProductRecipient,
    ProductStatus,
    ProductVersion,
)
from flo_portal.products.workflow import TRANSITIONS, allowed_actions
from flo_portal.security.permissions import Role
from tests.factories import notices
from tests.products.helpers import draft, publish, revision_form, staff


def actions(product_id):
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(
                AuditEvent.object_type == "product",
                AuditEvent.object_id == str(product_id),
            )
            .order_by(AuditEvent.id)
        )
    )


def test_transition_table_publishing_is_coordinator_only():
    assert TRANSITIONS["publish"].roles == {Role.COORDINATOR}
    assert TRANSITIONS["privacy_approve"].roles == {Role.PRIVACY_OFFICER}
    assert TRANSITIONS["withdraw"].needs_note


def test_analyst_drafts_coordinator_publishes_through_pages(client, login_as, make_user):
    people = staff(make_user)
    flo = make_user(Role.LIAISON_OFFICER)
    login_as(people["author"])
    r = client.post(
        "/products/new",
        data={
            "product_type": "bulletin",
            "title": "Skimmers at fuel pumps",
            "summary": "Card skimmers found.",
            "body_md": "Check pumps **daily**.",
            "tlp": "TLP:GREEN",
            "caveats": "FOUO",
            "topics": "fraud",
            "all_flos": "y",
        },
    )
    assert r.status_code == 302
    product = db.session.scalar(sa.select(Product))
    assert product.status == ProductStatus.DRAFT and product.reference.startswith("PRD-")
    assert client.post(f"/products/{product.id}/do/submit", data={}).status_code == 302
    # the analyst cannot publish: the table refuses
    client.post(f"/products/{product.id}/do/publish", data={})
    db.session.refresh(product)
    assert product.status == ProductStatus.IN_REVIEW
    login_as(people["coordinator"])
    page = client.get(f"/products/{product.id}")
    assert b'data-action="publish"' in page.data
    client.post(f"/products/{product.id}/do/publish", data={})
    db.session.refresh(product)
    assert product.status == ProductStatus.PUBLISHED and product.version == 1
    assert (
        db.session.scalar(
            sa.select(ProductRecipient).where(ProductRecipient.user_id == flo.id)
        ).rule
        == "TLP:GREEN audience — all FLOs"
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.to_address == flo.email)
        )
        == 1
    )
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to_address == flo.email))
    assert mail.subject.startswith("[TLP:GREEN]") and mail.body_text.count("TLP:GREEN — FOUO") == 2
    assert actions(product.id) == [
        "product.created",
        "product.submitted",
        "product.viewed",
        "product.disseminated",
        "product.published",
    ]


def test_coordinator_cannot_publish_own_product(make_user):
    coord = make_user(Role.COORDINATOR)
    product = draft(coord)
    services.transition(product, "submit", coord)
    with pytest.raises(services.ProductError, match="own product"):
        services.transition(product, "publish", coord)
    assert "publish" not in [t.action for t in allowed_actions(coord, product)]


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("Planned protest at the capitol", True),
        ("A PROTEST is planned", True),
        ("Gathering near the mosque", True),
        ("Concerns about national origin of callers", True),
        ("Protesters were seen", False),  # whole words only
        ("Marching band practice", False),
        ("Copper theft continues", False),
    ],
)
def test_protected_activity_terms_send_to_privacy_review(make_user, text, flagged):
    people = staff(make_user)
    product = draft(people["author"], body_md=text)
    services.transition(product, "submit", people["author"])
    assert (product.privacy_status == PrivacyStatus.PENDING) is flagged
    if flagged:
        assert notices(people["privacy"], "product.privacy_review")


def test_publishing_waits_for_privacy_approval_and_author_can_ask(make_user, client, login_as):
    people = staff(make_user)
    product = draft(people["author"], privacy_review_requested=True)
    services.transition(product, "submit", people["author"])
    db.session.commit()
    assert product.privacy_status == PrivacyStatus.PENDING
    with pytest.raises(services.ProductError, match="privacy officer"):
        services.transition(product, "publish", people["coordinator"])
    login_as(people["privacy"])
    assert product.reference.encode() in client.get("/products/privacy-queue").data
    assert client.get(f"/products/{product.id}").status_code == 200
    client.post(f"/products/{product.id}/do/privacy_approve", data={"reason": "Nexus is clear."})
    db.session.refresh(product)
    assert product.privacy_status == PrivacyStatus.APPROVED
    assert product.privacy_reviewer_id == people["privacy"].id
    services.transition(product, "publish", people["coordinator"])
    assert product.status == ProductStatus.PUBLISHED


def test_privacy_officer_returns_with_note(make_user):
    people = staff(make_user)
    product = draft(people["author"], summary="Rally planned downtown")
    services.transition(product, "submit", people["author"])
    with pytest.raises(services.ProductError, match="reason"):
        services.transition(product, "return", people["privacy"], "")
    services.transition(product, "return", people["privacy"], "Remove the rally reference.")
    assert (
        product.status == ProductStatus.DRAFT and product.privacy_status == PrivacyStatus.RETURNED
    )
    assert notices(people["author"], "product.returned")


def test_withdraw_needs_reason_and_archive(make_user, client, login_as):
    people = staff(make_user)
    product = publish(draft(people["author"]), people["coordinator"])
    login_as(people["coordinator"])
    client.post(f"/products/{product.id}/do/withdraw", data={"reason": ""})
    db.session.refresh(product)
    assert product.status == ProductStatus.PUBLISHED
    client.post(f"/products/{product.id}/do/archive", data={})
    db.session.refresh(product)
    assert product.status == ProductStatus.ARCHIVED
    client.post(
        f"/products/{product.id}/do/withdraw",
        data={"reason": "Superseded and inaccurate"},
    )
    db.session.refresh(product)
    assert (
        product.status == ProductStatus.WITHDRAWN
        and product.withdrawn_reason == "Superseded and inaccurate"
    )
    assert client.post(f"/products/{product.id}/do/nonsense", data={}).status_code == 404


def test_edit_after_publishing_creates_a_version_recipients_see(make_user, client, login_as):
    people = staff(make_user)
    flo = make_user(Role.LIAISON_OFFICER)
    product = publish(draft(people["author"], body_md="Original text."), people["coordinator"])
    login_as(flo)
    client.get(f"/products/{product.id}")
    feed = client.get("/products/").data
    assert b"Unread" not in feed
    login_as(people["coordinator"])
    r = client.post(
        f"/products/{product.id}/edit",
        data=revision_form(product, "Corrected the location", body_md="Corrected text."),
    )
    assert r.status_code == 302, r.data
    db.session.refresh(product)
    assert product.version == 2
    assert [
        v.number
        for v in db.session.scalars(
            sa.select(ProductVersion).where(ProductVersion.product_id == product.id)
        )
    ] == [1, 2]
    assert (
        db.session.scalar(
            sa.select(sa.func.count(ProductRecipient.id)).where(ProductRecipient.user_id == flo.id)
        )
        == 2
    )
    assert db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == flo.id, Notification.title.like("Updated (v2)%")
        )
    )
    login_as(flo)
    feed = client.get("/products/").data
    assert b"Updated (v2)" in feed and b"Unread" in feed
    page = client.get(f"/products/{product.id}").data
    assert b"Corrected text." in page and b"Version 1" in page
    old = client.get(f"/products/{product.id}/versions/1")
    assert (
        old.status_code == 200 and b"Original text." in old.data and b"version 1 of 2" in old.data
    )
    assert client.get(f"/products/{product.id}/versions/9").status_code == 404
    assert "product.version_viewed" in actions(product.id)


def test_analyst_cannot_edit_published_and_bad_form_input_is_handled(make_user, client, login_as):
    people = staff(make_user)
    product = publish(draft(people["author"]), people["coordinator"])
    login_as(people["author"])
    assert client.get(f"/products/{product.id}/edit").status_code == 403
    r = client.post(
        "/products/new",
        data={
            "product_type": "nope",
            "title": "",
            "tlp": "TLP:PURPLE",
            "agency_ids": ["abc"],
            "user_ids": ["999999"],
        },
    )
    assert r.status_code == 200 and b"is-invalid" in r.data
    r = client.post(
        "/products/new",
        data={
            "product_type": "bulletin",
            "title": "T",
            "summary": "S",
            "tlp": "TLP:RED",
            "all_flos": "y",
        },
    )
    assert r.status_code == 200 and b"named people only" in r.data


def test_withdrawal_tells_recipients_without_content(make_user):
    people = staff(make_user)
    flo = make_user(Role.LIAISON_OFFICER)
    product = publish(draft(people["author"], summary="Sensitive summary"), people["coordinator"])
    services.transition(product, "withdraw", people["coordinator"], "Source recalled")
    db.session.commit()
    notice = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == flo.id, Notification.kind == "product.withdrawn"
        )
    )
    assert notice.title == f"Withdrawn: {product.reference}" and "Source recalled" in notice.body
    assert "Sensitive summary" not in notice.body


def test_refused_transitions_answer_the_one_rule(make_user, client, login_as):
    """Not for this user: 403; not in this state: 409; a page POST with a referrer is
    flashed and sent back (303), and nothing changes."""
    people = staff(make_user)
    product = draft(people["author"])
    services.transition(product, "submit", people["author"])
    db.session.commit()
    login_as(people["author"])
    r = client.post(f"/products/{product.id}/do/publish", data={})
    assert r.status_code == 403 and b"your role may not do that" in r.data
    login_as(people["coordinator"])
    r = client.post(f"/products/{product.id}/do/archive", data={})
    assert r.status_code == 409 and b"in review" in r.data
    back = f"/products/{product.id}"
    r = client.post(f"/products/{product.id}/do/archive", data={}, headers={"Referer": back})
    assert r.status_code == 303 and r.headers["Location"].endswith(back)
    db.session.refresh(product)
    assert product.status == ProductStatus.IN_REVIEW
    with pytest.raises(services.ProductError) as refused:
        services.transition(product, "archive", people["coordinator"])
    assert refused.value.status == 409
    with pytest.raises(services.ProductError) as refused:
        services.transition(product, "withdraw", people["coordinator"], "")
    assert refused.value.status == 422
