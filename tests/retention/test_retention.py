"""28 CFR Part 23 retention of criminal intelligence: review dates, validation, purging,
the pages and the daily job (``flo_portal.retention``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification
from flo_portal.products import services
from flo_portal.products.models import Product, ProductAttachment, ProductVersion
from flo_portal.retention import services as retention
from flo_portal.retention.jobs import run_retention_review
from flo_portal.security.permissions import Role
from tests.products.helpers import attach_pdf, draft, publish, staff


def test_criminal_intelligence_review_date_validate_and_purge(make_user, client, login_as, app):
    people = staff(make_user)
    flo = make_user(Role.LIAISON_OFFICER)
    product = draft(
        people["author"],
        criminal_intelligence=True,
        title="Secret gang ledger",
        body_md="Names and places.",
    )
    att = attach_pdf(product, people["author"])
    publish(product, people["coordinator"])
    services.give_feedback(product, flo, 4, 4, "Mentions a name")
    db.session.commit()
    published = clock.today(product.published_at)  # the center's day
    due = product.review_due_on
    assert due.year == published.year + app.config["RETENTION_YEARS"]
    assert retention.retention_due(due - timedelta(days=1)) == []
    [item] = retention.retention_due(due)
    assert (item.kind, item.id) == ("product", product.id)

    login_as(people["privacy"])
    page = client.get("/products/retention")
    assert page.status_code == 200  # today is before the due date: nothing listed
    retention.validate_retention("product", product.id, people["privacy"], due)
    db.session.commit()
    assert product.review_due_on == due.replace(year=due.year + 5)
    assert retention.retention_due(due) == []

    path = services.attachment_path(att)
    assert path.is_file()
    retention.purge(
        "product", product.id, people["privacy"], "no longer relevant", product.review_due_on
    )
    db.session.commit()
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.purged_at is not None and product.title == "[purged]" and product.body_md == ""
    assert (
        not path.exists() and db.session.scalar(sa.select(sa.func.count(ProductAttachment.id))) == 0
    )
    assert all(
        v.title == "[purged]" and v.body_md == ""
        for v in db.session.scalars(sa.select(ProductVersion))
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "retention.purged"))
    assert event.object_id == str(product.id)
    assert "gang" not in (event.summary + str(event.details)).lower()
    login_as(flo)
    assert client.get(f"/products/{product.id}").status_code == 404
    login_as(people["coordinator"])
    assert b"was purged" in client.get(f"/products/{product.id}").data


def test_retention_pages_validate_and_refuse_bad_input(make_user, client, login_as):
    people = staff(make_user)
    product = publish(draft(people["author"], criminal_intelligence=True), people["coordinator"])
    product.review_due_on = clock.today() - timedelta(days=1)
    db.session.commit()
    login_as(people["privacy"])
    assert product.reference.encode() in client.get("/products/retention").data
    assert (
        client.post(
            f"/products/retention/product/{product.id}/validate",
            data={"note": "still active case"},
        ).status_code
        == 302
    )
    db.session.refresh(product)
    assert product.review_due_on > clock.today()
    assert client.post("/products/retention/banana/1/purge", data={}).status_code == 404
    r = client.post("/products/retention/product/999/purge", data={}, follow_redirects=True)
    assert b"Nothing to purge" in r.data
    login_as(people["coordinator"])
    assert (
        client.post(f"/products/retention/product/{product.id}/purge", data={}).status_code == 403
    )


def test_run_retention_review_flags_then_purges_unvalidated(make_user, app):
    people = staff(make_user)
    product = publish(draft(people["author"], criminal_intelligence=True), people["coordinator"])
    due = product.review_due_on
    assert run_retention_review(due) == {"due": 1, "flagged": 1, "purged": 0}
    db.session.commit()
    assert run_retention_review(due + timedelta(days=1)) == {
        "due": 1,
        "flagged": 0,
        "purged": 0,
    }
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == people["privacy"].id,
                Notification.kind == "retention.due",
            )
        )
        == 1
    )
    grace = app.config.get("RETENTION_GRACE_DAYS", 30)
    assert run_retention_review(due + timedelta(days=grace + 1))["purged"] == 1
    db.session.commit()
    assert db.session.get(Product, product.id).purged_at is not None
    assert run_retention_review(due + timedelta(days=grace + 2)) == {
        "due": 0,
        "flagged": 0,
        "purged": 0,
    }


def test_the_scheduled_job_passes_a_moment_and_purges_as_the_job(make_user, app):
    """The runner calls the job with ``now`` (a datetime): its day is the center's, and a
    purge is recorded as the job's (system actor), not as nobody."""
    from datetime import UTC, datetime, time

    from flo_portal.jobs.registry import JOBS

    people = staff(make_user)
    product = publish(draft(people["author"], criminal_intelligence=True), people["coordinator"])
    grace = app.config.get("RETENTION_GRACE_DAYS", 30)
    late = product.review_due_on + timedelta(days=grace + 1)
    # Noon UTC: the same date in New York and in UTC.
    counts = JOBS["retention_review"].func(datetime.combine(late, time(12), tzinfo=UTC))
    assert counts == {"due": 1, "flagged": 0, "purged": 1}
    db.session.commit()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "retention.purged"))
    assert event.actor_id is None and event.details["kind"] == "product"


def test_rfis_with_retention_columns_are_listed(make_user):
    from flo_portal.rfis.models import Rfi

    assert hasattr(Rfi, "review_due_on")
    # listing works against the RFI table (no RFIs here): the query runs on both databases
    assert retention.retention_due(clock.today()) == []


def test_purge_before_the_review_date_is_refused_by_service_and_page(make_user, client, login_as):
    """A direct POST cannot purge criminal intelligence years before its review date."""

    people = staff(make_user)
    product = publish(draft(people["author"], criminal_intelligence=True), people["coordinator"])
    db.session.commit()
    due = product.review_due_on
    assert due > clock.today() + timedelta(days=365 * 4)
    with pytest.raises(retention.NotYetDue, match="before its retention review date"):
        retention.purge("product", product.id, people["privacy"], "early", due - timedelta(days=1))
    db.session.rollback()

    login_as(people["privacy"])
    r = client.post(
        f"/products/retention/product/{product.id}/purge",
        data={"note": "tidy up"},
        headers={"Referer": "/products/retention"},  # the error handler flashes and goes back
        follow_redirects=True,
    )
    assert r.status_code == 200 and b"before its retention review date" in r.data
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.purged_at is None and product.title != "[purged]"
    assert not db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "retention.purged")
    )
    # on the review date it may go
    retention.purge("product", product.id, people["privacy"], "reviewed", due)
    db.session.commit()
    assert db.session.get(Product, product.id).purged_at is not None
