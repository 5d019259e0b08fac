"""The fan-out's two guarantees: its viewer conditions are the items' own policies read
the other way round (so it cannot widen), and its cost does not grow with the number of
followers (a fixed number of statements)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from bench.harness import count_queries
from flo_portal.agencies.models import Agency
from flo_portal.briefings.policies import briefing_viewers_condition, can_view_briefing
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.notifications.models import Notification, OutboxEmail
from flo_portal.products import services as product_services
from flo_portal.products.policies import can_view_product, product_viewers_condition
from flo_portal.security.permissions import Role
from flo_portal.subscriptions import services
from flo_portal.subscriptions.models import Subscription
from flo_portal.users.audience import Audience
from flo_portal.users.models import User
from tests.briefings.factories import make_briefing
from tests.factories import AgencyFactory
from tests.products.helpers import draft, publish, staff


def _viewer_ids(condition) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(User.id).outerjoin(Agency, Agency.id == User.agency_id).where(condition)
        )
    )


@pytest.fixture
def people(make_user):
    home, other = AgencyFactory(region="Coastal"), AgencyFactory(region="Northern")
    closed = AgencyFactory(active=False)
    db.session.commit()
    crowd = {
        **staff(make_user),
        "analyst2": make_user(Role.ANALYST),
        "privacy2": make_user(Role.PRIVACY_OFFICER),
        "admin": make_user(Role.ADMIN),
        "flo_home": make_user(Role.LIAISON_OFFICER, agency=home),
        "flo_home2": make_user(Role.LIAISON_OFFICER, agency=home),
        "head_home": make_user(Role.AGENCY_HEAD, agency=home),
        "flo_other": make_user(Role.LIAISON_OFFICER, agency=other),
        "flo_closed": make_user(Role.LIAISON_OFFICER, agency=closed),
        "flo_gone": make_user(Role.LIAISON_OFFICER, agency=home, is_active_account=False),
    }
    return crowd


@pytest.mark.parametrize(
    "tlp", ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"]
)
def test_product_viewers_condition_is_can_view_product(people, tlp):
    home = people["flo_home"].agency_id
    audience = {
        "agency_ids": [home],
        "regions": ["Northern"],
        "user_ids": [people["flo_home"].id, people["analyst2"].id, people["admin"].id],
    }
    product = draft(people["author"], tlp=tlp, audience=audience)
    everyone = list(people.values())

    def same():
        expected = {u.id for u in everyone if can_view_product(u, product)}
        assert _viewer_ids(product_viewers_condition(product)) == expected
        return expected

    same()  # draft
    product_services.transition(product, "submit", people["author"])
    same()  # in review
    product_services.transition(product, "publish", people["coordinator"])
    db.session.commit()
    seen = same()  # published
    assert people["flo_other"].id not in seen or tlp not in ("TLP:RED", "TLP:AMBER+STRICT")
    if tlp in ("TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"):
        # A share with a colleague of the same agency (AMBER) or anyone (GREEN, CLEAR).
        product_services.share_product(product, people["flo_home"], people["head_home"])
        db.session.commit()
        same()
    product_services.transition(product, "withdraw", people["coordinator"], "wrong")
    db.session.commit()
    same()  # withdrawn: staff only


def test_product_viewers_condition_through_privacy_review(people):
    product = draft(people["author"], audience={"all_flos": True}, privacy_review_requested=True)
    product_services.transition(product, "submit", people["author"])
    db.session.commit()
    expected = {u.id for u in people.values() if can_view_product(u, product)}
    assert people["privacy2"].id in expected
    assert _viewer_ids(product_viewers_condition(product)) == expected
    product_services.transition(product, "privacy_approve", people["privacy"], "fine")
    product_services.transition(product, "publish", people["coordinator"])
    db.session.commit()
    expected = {u.id for u in people.values() if can_view_product(u, product)}
    assert _viewer_ids(product_viewers_condition(product)) == expected


def test_briefing_viewers_condition_is_can_view_briefing(people):
    b = make_briefing(
        people["coordinator"], audience=Audience(agency_ids=[people["flo_home"].agency_id])
    )
    expected = {u.id for u in people.values() if u.is_active_account and can_view_briefing(u, b)}
    assert _viewer_ids(briefing_viewers_condition(b)) == expected


def _followers(n: int, agency_id: int) -> None:
    """``n`` FLOs of one agency, each following "rail" (bulk, as the benchmark does)."""
    now = utcnow()
    tag = uuid.uuid4().hex[:6]
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"f{tag}{i}@example.gov",
                "name": f"Follower {i}",
                "role": "liaison_officer",
                "agency_id": agency_id,
                "session_token": uuid.uuid4().hex,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(n)
        ],
    )
    ids = db.session.scalars(sa.select(User.id).where(User.email.like(f"f{tag}%"))).all()
    db.session.execute(
        sa.insert(Subscription),
        # Half follow the topic, half a saved search the product's title matches: both
        # kinds come from the one follower query.
        [
            {"user_id": i, "kind": kind, "value": value, "created_at": now}
            for n_, i in enumerate(ids)
            for kind, value in [("topic", "rail") if n_ % 2 else ("search", "copper signal")]
        ],
    )
    db.session.commit()


def _fan_out_queries(product) -> int:
    with count_queries() as counter:
        told = services.product_released(product, revised=False)
    assert told > 0
    return counter["n"]


def test_fan_out_is_a_fixed_number_of_queries(app, make_user):
    people = staff(make_user)
    counts = {}
    for n in (5, 120):
        agency = AgencyFactory()
        db.session.commit()
        _followers(n, agency.id)
        product = draft(people["author"], audience={"agency_ids": [agency.id]})
        product_services.transition(product, "submit", people["author"])
        product_services.transition(product, "publish", people["coordinator"])
        db.session.commit()
        # Publishing told them already; the dedupe keys make a second run a no-op, so
        # measure the fan-out on a fresh version key.
        product.version += 1
        db.session.flush()  # the new version's own writes (its search document) first
        with app.test_request_context():
            counts[n] = _fan_out_queries(product)
        db.session.rollback()
        told = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.kind == "following.product",
                Notification.link == f"/products/{product.id}",
            )
        )
        assert told == n
        mails = db.session.scalar(
            sa.select(sa.func.count(OutboxEmail.id)).where(
                OutboxEmail.kind == "following.product",
                OutboxEmail.dedupe_key.like(f"email:following:product:{product.id}:%"),
            )
        )
        assert mails == n
    assert counts[5] == counts[120], counts
    assert counts[5] <= 3, counts


def test_fan_out_twice_tells_nobody_twice(make_user):
    people = staff(make_user)
    agency = AgencyFactory()
    db.session.commit()
    _followers(3, agency.id)
    product = publish(
        draft(people["author"], audience={"agency_ids": [agency.id]}), people["coordinator"]
    )
    assert services.product_released(product, revised=False) == 0
    db.session.commit()
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.kind == "following.product"
            )
        )
        == 3
    )
