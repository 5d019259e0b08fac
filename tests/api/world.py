"""A small world for API tests, built through the features' own services and factories:
two agencies (A and B), a user of every role (partners in A, plus an FLO and a head in B),
officers, a course with records, RFIs from both agencies, products and a briefing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from flo_portal.users.audience import Audience
from tests.briefings.factories import make_briefing
from tests.factories import AgencyFactory
from tests.products import helpers as products
from tests.rfis import helpers as rfis
from tests.roster.factories import CourseFactory, OfficerFactory, RecordFactory


@dataclass
class World:
    agency_a: object
    agency_b: object
    users: dict = field(default_factory=dict)  # role value -> user (partners of agency A)
    flo_b: object = None
    head_b: object = None
    officer_a: object = None
    officer_b: object = None
    course: object = None
    rfi_a: object = None
    rfi_b: object = None
    product_all: object = None
    product_red_b: object = None
    briefing: object = None


def build_world(make_user) -> World:
    a = AgencyFactory(name="Agency A", region="North")
    b = AgencyFactory(name="Agency B", region="South")
    db.session.commit()
    w = World(agency_a=a, agency_b=b)
    for role in Role:
        agency = None if role.is_center_staff else a
        w.users[role.value] = make_user(role, agency=agency, name=f"{role.value} user")
    w.flo_b = make_user(Role.LIAISON_OFFICER, agency=b, name="FLO of B")
    w.head_b = make_user(Role.AGENCY_HEAD, agency=b, name="Head of B")

    w.course = CourseFactory(code="BASIC", title="FLO Basic")
    w.officer_a = OfficerFactory(agency=a, user=w.users["liaison_officer"])
    w.officer_b = OfficerFactory(agency=b, user=w.flo_b)
    RecordFactory(officer=w.officer_a, course=w.course, completed_on=date(2025, 1, 10))
    RecordFactory(officer=w.officer_b, course=w.course, completed_on=date(2025, 2, 10))
    db.session.commit()

    w.rfi_a = rfis.submit(w.users["liaison_officer"], title="Fuel tanker thefts in A")
    w.rfi_b = rfis.submit(w.flo_b, title="Copper thefts in B")

    staff = {
        "author": w.users["analyst"],
        "coordinator": w.users["coordinator"],
        "privacy": w.users["privacy_officer"],
    }
    w.product_all = products.publish(
        products.draft(staff["author"], product_type="officer_safety", title="Armed suspect alert"),
        staff["coordinator"],
        staff["privacy"],
    )
    w.product_red_b = products.publish(
        products.draft(
            staff["author"],
            title="Named recipients only",
            tlp="TLP:RED",
            audience={"user_ids": [w.flo_b.id]},
        ),
        staff["coordinator"],
        staff["privacy"],
    )
    w.briefing = make_briefing(
        w.users["coordinator"],
        user_ids=[w.users["liaison_officer"].id, w.users["agency_head"].id],
        start=datetime(2031, 3, 12, 9, 0),
        audience=Audience(user_ids=[w.users["liaison_officer"].id, w.users["agency_head"].id]),
    )
    db.session.commit()
    return w
