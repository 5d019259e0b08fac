"""Reach figures (SQL aggregates, CSV) and 28 CFR Part 23 retention."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification
from flo_portal.products import services
from flo_portal.products.models import Product, ProductAttachment, ProductVersion
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory
from tests.products.helpers import attach_pdf, draft, publish, staff


def test_reach_per_product_and_month_with_csv(make_user, client, login_as):
    people = staff(make_user)
    agency = AgencyFactory()
    flos = [make_user(Role.LIAISON_OFFICER, agency=agency) for _ in range(3)]
    alert = publish(
        draft(
            people["author"],
            product_type="officer_safety",
            title="=cmd|' /C calc'!A0",
            audience={"agency_ids": [agency.id]},
        ),
        people["coordinator"],
    )
    other = publish(draft(make_user(Role.ANALYST), title="Someone else's"), people["coordinator"])
    services.record_view(alert, flos[0])
    services.acknowledge(alert, flos[0])
    services.record_view(alert, flos[1])
    services.give_feedback(alert, flos[0], 5, 4, "Very useful")
    services.give_feedback(alert, flos[1], 3, 2, "")
    db.session.commit()

    rows = {r["reference"]: r for r in services.reach_by_product(people["coordinator"])}
    r = rows[alert.reference]
    assert (
        r["recipients"],
        r["opened"],
        r["acknowledged"],
        r["ratings"],
        r["comments"],
    ) == (3, 2, 1, 2, 1)
    assert (r["useful_avg"], r["actionable_avg"]) == (4.0, 3.0)
    assert other.reference in rows
    # the analyst sees figures for their own products only
    assert [x["reference"] for x in services.reach_by_product(people["author"])] == [
        alert.reference
    ]
    months = services.reach_by_month(people["coordinator"])
    assert len(months) == 1 and months[0]["products"] == 2 and months[0]["recipients"] == 3 + 3
    assert months[0]["useful_avg"] == 4.0

    login_as(people["author"])
    page = client.get("/products/reach")
    assert (
        page.status_code == 200
        and alert.reference.encode() in page.data
        and other.reference.encode() not in page.data
    )
    export = client.get("/products/reach.csv")
    data = list(csv.reader(io.StringIO(export.data.decode())))
    assert data[0][:3] == ["reference", "tlp", "title"]
    assert (
        data[1][0] == alert.reference and data[1][1] == "TLP:GREEN" and data[1][2].startswith("'=")
    )
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "product.reach_exported")
    )


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
    published = product.published_at.date()
    due = product.review_due_on
    assert due.year == published.year + app.config["RETENTION_YEARS"]
    assert services.retention_due(due - timedelta(days=1)) == []
    [item] = services.retention_due(due)
    assert (item.kind, item.id) == ("product", product.id)

    login_as(people["privacy"])
    page = client.get("/products/retention")
    assert page.status_code == 200  # today is before the due date: nothing listed
    services.validate_retention("product", product.id, people["privacy"], due)
    db.session.commit()
    assert product.review_due_on == due.replace(year=due.year + 5)
    assert services.retention_due(due) == []

    path = services.attachment_path(att)
    assert path.is_file()
    services.purge(
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
    assert services.run_retention_review(due) == {"due": 1, "flagged": 1, "purged": 0}
    db.session.commit()
    assert services.run_retention_review(due + timedelta(days=1)) == {
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
    assert services.run_retention_review(due + timedelta(days=grace + 1))["purged"] == 1
    db.session.commit()
    assert db.session.get(Product, product.id).purged_at is not None
    assert services.run_retention_review(due + timedelta(days=grace + 2)) == {
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
    Rfi = services._rfi_model()
    if Rfi is None:
        import pytest

        pytest.skip("RFI feature without retention columns")
    assert hasattr(Rfi, "review_due_on")
    # listing works against the RFI table (no RFIs here): the query runs on both databases
    assert services.retention_due(clock.today()) == []


def test_purge_before_the_review_date_is_refused_by_service_and_page(make_user, client, login_as):
    """A direct POST cannot purge criminal intelligence years before its review date."""
    import pytest

    people = staff(make_user)
    product = publish(draft(people["author"], criminal_intelligence=True), people["coordinator"])
    db.session.commit()
    due = product.review_due_on
    assert due > clock.today() + timedelta(days=365 * 4)
    with pytest.raises(services.ProductError, match="before its retention review date"):
        services.purge("product", product.id, people["privacy"], "early", due - timedelta(days=1))
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
    services.purge("product", product.id, people["privacy"], "reviewed", due)
    db.session.commit()
    assert db.session.get(Product, product.id).purged_at is not None
