"""Recipient side: unread marks, acknowledgement and reminders, feedback, sharing, the
dissemination log, markdown safety, attachments, exports."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification
from flo_portal.products import services
from flo_portal.products.models import (
    ProductAttachment,
    ProductFeedback,
    ProductRecipient,
)
from flo_portal.products.policies import can_view_product
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory
from tests.products.helpers import PDF, draft, publish, staff


def audit_actions(**where):
    stmt = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(AuditEvent, k) == v)
    return list(db.session.scalars(stmt))


@pytest.fixture
def people(make_user):
    p = staff(make_user)
    agency = AgencyFactory(name="Capital PD")
    p["flo"] = make_user(Role.LIAISON_OFFICER, agency=agency)
    p["colleague"] = make_user(Role.LIAISON_OFFICER, agency=agency)
    p["outsider"] = make_user(Role.LIAISON_OFFICER)
    p["agency"] = agency
    return p


def test_unread_mark_and_read_receipt(people, client, login_as):
    product = publish(
        draft(people["author"], audience={"agency_ids": [people["agency"].id]}),
        people["coordinator"],
    )
    login_as(people["flo"])
    assert b"Unread" in client.get("/products/").data
    client.get(f"/products/{product.id}")
    assert b"Unread" not in client.get("/products/").data
    receipt = db.session.scalar(
        sa.select(ProductRecipient).where(ProductRecipient.user_id == people["flo"].id)
    )
    assert (
        receipt.opened_at is not None and receipt.rule == "TLP:GREEN audience — agency: Capital PD"
    )
    assert "product.viewed" in audit_actions(actor_id=people["flo"].id)


def test_officer_safety_acknowledgement_and_daily_reminders(people, client, login_as):
    product = publish(
        draft(
            people["author"],
            product_type="officer_safety",
            title="Armed suspect alert",
            audience={"agency_ids": [people["agency"].id]},
        ),
        people["coordinator"],
    )
    receipt_at = db.session.scalar(sa.select(ProductRecipient.disseminated_at).limit(1))
    # 09:00 UTC the next day: "+1 hour" must stay on the same day whatever the clock says now.
    tomorrow = datetime.combine(receipt_at.date() + timedelta(days=1), time(9, 0), tzinfo=UTC)
    assert services.renotify_unacknowledged_alerts(receipt_at) == 0  # not on the day of publication
    assert services.renotify_unacknowledged_alerts(tomorrow) == 2  # flo and colleague
    db.session.commit()
    assert services.renotify_unacknowledged_alerts(tomorrow + timedelta(hours=1)) == 0  # once a day
    login_as(people["flo"])
    page = client.get(f"/products/{product.id}")
    assert b"Acknowledgement needed" in client.get("/products/").data or b"ack-needed" in page.data
    assert client.post(f"/products/{product.id}/acknowledge", data={}).status_code == 302
    assert b"ack-done" in client.get(f"/products/{product.id}").data
    assert (
        services.renotify_unacknowledged_alerts(tomorrow + timedelta(days=1)) == 1
    )  # colleague only
    reminders = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "product.ack_reminder")
    ).all()
    assert sorted(reminders) == sorted(
        [people["flo"].id, people["colleague"].id, people["colleague"].id]
    )
    assert "product.acknowledged" in audit_actions(actor_id=people["flo"].id)


def test_acknowledging_a_bulletin_is_refused(people, client, login_as):
    product = publish(draft(people["author"]), people["coordinator"])
    login_as(people["flo"])
    r = client.post(f"/products/{product.id}/acknowledge", data={}, follow_redirects=True)
    assert b"does not need an acknowledgement" in r.data


def _feedback_status(client, product, **data: str) -> int:
    return client.post(f"/products/{product.id}/feedback", data=data).status_code


def test_feedback_once_per_version(people, client, login_as):
    product = publish(draft(people["author"]), people["coordinator"])
    login_as(people["flo"])
    assert _feedback_status(client, product, useful="9", actionable="x") == 302
    assert db.session.scalar(sa.select(sa.func.count(ProductFeedback.id))) == 0
    client.post(
        f"/products/{product.id}/feedback",
        data={"useful": "4", "actionable": "3", "comment": "Good"},
    )
    r = client.post(
        f"/products/{product.id}/feedback",
        data={"useful": "1", "actionable": "1"},
        follow_redirects=True,
    )
    assert b"already gave feedback" in r.data
    fb = db.session.scalars(sa.select(ProductFeedback)).all()
    assert [(f.useful, f.actionable, f.comment, f.version) for f in fb] == [(4, 3, "Good", 1)]
    # analysts have no feedback permission
    login_as(people["author"])
    assert _feedback_status(client, product, useful="4", actionable="3") == 403


@pytest.mark.parametrize(
    "tlp, same_agency_ok, other_agency_ok",
    [
        ("TLP:RED", False, False),
        ("TLP:AMBER+STRICT", False, False),
        ("TLP:AMBER", True, False),
        ("TLP:GREEN", True, True),
        ("TLP:CLEAR", True, True),
    ],
)
def test_share_with_a_colleague_follows_tlp(
    people, client, login_as, make_user, tlp, same_agency_ok, other_agency_ok
):
    # the product reaches only the FLO (named); colleague and outsider are outside the audience
    product = publish(
        draft(people["author"], tlp=tlp, audience={"user_ids": [people["flo"].id]}),
        people["coordinator"],
    )
    login_as(people["flo"])
    for target, ok in (
        (people["colleague"], same_agency_ok),
        (people["outsider"], other_agency_ok),
    ):
        assert not can_view_product(target, product)
        client.post(f"/products/{product.id}/share", data={"email": target.email.upper()})
        db.session.expire_all()
        assert can_view_product(target, product) is ok
    refused = audit_actions(action="product.share_refused")
    assert len(refused) == [same_agency_ok, other_agency_ok].count(False)
    if same_agency_ok:
        rule = db.session.scalar(
            sa.select(ProductRecipient.rule).where(
                ProductRecipient.user_id == people["colleague"].id
            )
        )
        assert "shared by" in rule


def test_dissemination_log_names_rule_and_is_limited(people, client, login_as, make_user):
    product = publish(
        draft(
            people["author"],
            audience={
                "agency_ids": [people["agency"].id],
                "user_ids": [people["outsider"].id],
            },
        ),
        people["coordinator"],
    )
    login_as(people["coordinator"])
    page = client.get(f"/products/{product.id}/log")
    assert page.status_code == 200
    assert b"agency: Capital PD" in page.data and b"named recipient" in page.data
    login_as(make_user(Role.ANALYST))  # not the author
    assert client.get(f"/products/{product.id}/log").status_code == 404
    login_as(people["flo"])
    assert client.get(f"/products/{product.id}/log").status_code == 403


def test_markdown_renders_inert(people, client, login_as):
    body = (
        "<script>alert('x')</script>\n\n[click](javascript:alert(1))\n\n"
        '<img src=x onerror=alert(1)>\n\n<a href="javascript:alert(2)" onclick="evil()">a</a>\n\n'
        "[ok](https://example.gov/report)"
    )
    product = publish(draft(people["author"], body_md=body), people["coordinator"])
    login_as(people["flo"])
    html = client.get(f"/products/{product.id}").data.decode()
    main = html[html.index('class="product-body"') :]
    main = main[: main.index("</div>")]
    tags = _tags(main)
    assert {t for t, _ in tags} <= {"div", "p", "a"}
    for _tag, attrs in tags:
        assert not any(name.startswith("on") for name, _ in attrs)
        assert not any(name == "href" and not value.startswith("https://") for name, value in attrs)
    assert (
        "a",
        [
            ("href", "https://example.gov/report"),
            ("rel", "noopener noreferrer nofollow"),
        ],
    ) in tags
    assert "&lt;script&gt;" in main  # shown as text, not run


def _tags(html: str) -> list[tuple[str, list]]:
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed("<div " + html)
    return found


def test_attachments_are_checked_and_stored_outside_static(people, client, login_as, app):
    product = draft(people["author"])
    login_as(people["author"])

    def up(name, data):
        return client.post(
            f"/products/{product.id}/attachments",
            data={"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            follow_redirects=True,
        ).data

    assert b"must match the extension" in up("evil.pdf", b"MZ\x90\x00 windows exe")
    assert b"must match the extension" in up("image.png", PDF)
    assert b"must match the extension" in up("run.exe", b"MZ\x90\x00")
    app.config["MAX_UPLOAD_BYTES"], limit = 100, app.config["MAX_UPLOAD_BYTES"]
    try:
        assert b"larger than" in up("big.pdf", PDF + b"x" * 200)
    finally:
        app.config["MAX_UPLOAD_BYTES"] = limit
    assert b"Attachment added" in up("notes.txt", "Plain notes ✓".encode())
    assert b"Attachment added" in up("../../etc/brief.pdf", PDF)
    atts = db.session.scalars(sa.select(ProductAttachment).order_by(ProductAttachment.id)).all()
    assert [a.content_type for a in atts] == ["text/plain", "application/pdf"]
    assert atts[1].filename == "etc_brief.pdf"
    from pathlib import Path

    stored = services.attachment_path(atts[1])
    assert stored.is_file() and Path(app.config["UPLOAD_DIR"]) in stored.parents
    publish(product, people["coordinator"])
    login_as(people["flo"])
    r = client.get(f"/products/{product.id}/attachments/{atts[1].id}")
    assert (
        r.status_code == 200 and r.data == PDF and "attachment" in r.headers["Content-Disposition"]
    )
    assert "product.attachment_downloaded" in audit_actions(actor_id=people["flo"].id)
    assert client.get(f"/products/{product.id}/attachments/999").status_code == 404
    # a published product's attachments are frozen
    login_as(people["author"])
    assert b"drafts only" in up("more.pdf", PDF)


def test_text_export_carries_banner_top_and_bottom(people, client, login_as):
    product = publish(
        draft(people["author"], tlp="TLP:AMBER", caveats="LES"), people["coordinator"]
    )
    login_as(people["flo"])
    r = client.get(f"/products/{product.id}/export.txt")
    lines = r.data.decode().strip().splitlines()
    assert r.status_code == 200 and lines[0] == "TLP:AMBER — LES" and lines[-1] == "TLP:AMBER — LES"
    assert "product.exported" in audit_actions(actor_id=people["flo"].id)


def test_unknown_product_is_404(client, login_as):
    login_as(Role.LIAISON_OFFICER)
    assert client.get("/products/424242").status_code == 404
    assert client.get("/products/424242/export.txt").status_code == 404
    assert client.get("/products/?q=" + "x" * 500).status_code == 200
    assert client.get("/products/?tlp=bogus&product_type=zzz&page=abc").status_code == 200


def test_dashboard_cards(people, client, login_as):
    publish(
        draft(
            people["author"],
            product_type="officer_safety",
            audience={"agency_ids": [people["agency"].id]},
        ),
        people["coordinator"],
    )
    login_as(people["flo"])
    page = client.get("/dashboard").data
    assert b"Unread products" in page and b"Officer-safety alerts to acknowledge" in page
    login_as(people["coordinator"])
    assert b"Products in review" in client.get("/dashboard").data
