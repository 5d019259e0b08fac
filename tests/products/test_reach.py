"""Reach figures (SQL aggregates, CSV)."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.products import services
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory
from tests.html import chart_spec
from tests.products.helpers import draft, publish, staff


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
    login_as(people["coordinator"])
    spec = chart_spec(client.get("/products/reach").get_data(as_text=True), "feedback-chart")
    assert spec["labels"] == [months[0]["month"]]
    assert spec["datasets"][0]["data"] == [4.0] and spec["extra"]["values"] == [
        months[0]["ratings"]
    ]
    login_as(people["author"])
    export = client.get("/products/reach.csv")
    data = list(csv.reader(io.StringIO(export.data.decode())))
    assert data[0][:3] == ["reference", "tlp", "title"]
    assert (
        data[1][0] == alert.reference and data[1][1] == "TLP:GREEN" and data[1][2].startswith("'=")
    )
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "product.reach_exported")
    )
