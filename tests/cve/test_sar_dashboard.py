"""The FLO's dashboard: how to report suspicious activity (issue 16, item 4)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.products import authoring, lifecycle
from flo_portal.products.models import Product
from flo_portal.security.permissions import Role
from flo_portal.training.queries import last_sar_awareness_on
from flo_portal.training.services import record_training
from tests.markers import needs_postgres
from tests.roster.factories import CourseFactory, OfficerFactory


def _publish(analyst, coordinator, *, ptype="training_material", topics="sar-reporting-guide"):
    product = authoring.create_product(
        analyst,
        {
            "product_type": ptype,
            "tlp": "TLP:CLEAR",
            "title": f"How to report ({ptype})",
            "summary": "What to report and how.",
            "body_md": "Use the guided form.",
            "topics": topics,
            "audience": {"all_flos": True},
        },
    )
    lifecycle.transition(product, "submit", analyst)
    lifecycle.transition(product, "publish", coordinator)
    db.session.commit()
    return product


def test_flo_dashboard_links_the_sar_form_and_guide_and_shows_last_sar_training(
    client, login_as, make_user
):
    analyst = make_user(Role.ANALYST)
    coordinator = make_user(Role.COORDINATOR)
    flo = make_user(Role.LIAISON_OFFICER)
    officer = OfficerFactory(agency=flo.agency, user_id=flo.id)
    sar = CourseFactory(code="SAR-101", is_sar_awareness=True, required=False)
    other = CourseFactory(code="BASIC", required=False)
    db.session.commit()
    # Not the guide: another type with the topic, and training material without it.
    _publish(analyst, coordinator, ptype="bulletin")
    _publish(analyst, coordinator, topics="weather")
    guide = _publish(analyst, coordinator, topics="Training, SAR-Reporting-Guide")
    login_as(flo)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "How to report suspicious activity" in html
    assert 'href="/sar/new"' in html
    assert f'href="/products/{guide.id}"' in html
    assert html.count("Reporting guide:") == 1
    assert "None on record" in html  # no SAR awareness training yet
    record_training(officer, sar, date(2025, 4, 2))
    record_training(officer, sar, date(2026, 5, 11))
    record_training(officer, other, date(2026, 11, 1))  # not SAR awareness
    db.session.commit()
    assert last_sar_awareness_on(officer.id) == date(2026, 5, 11)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "2026-05-11" in html and "Your last SAR awareness training" in html


def test_no_guide_link_when_none_is_published_or_visible(client, login_as):
    login_as(Role.LIAISON_OFFICER)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/sar/new"' in html and "Reporting guide:" not in html
    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == 0


def test_center_staff_without_sar_submit_see_no_card(client, login_as):
    login_as(Role.ANALYST)
    assert "How to report suspicious activity" not in client.get("/dashboard").get_data(
        as_text=True
    )


@needs_postgres
def test_the_guide_is_found_through_the_topics_index(db):
    """The guide's topic test (``listed_topics``, which ``reporting_guide_statement``
    uses) is the expression ``ix_product_topics_trgm`` indexes, so PostgreSQL can find the
    guide without reading every training-material product (at the load size that scan
    cost 18 ms a dashboard). With sequential scans priced out the plan must use the index;
    an expression that drifted from the index's could not."""
    from flo_portal.products.models import listed_topics

    stmt = sa.select(Product.id).where(
        listed_topics(Product.topics).contains(",sar-reporting-guide,")
    )
    sql = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.scalars(sa.text(f"EXPLAIN {sql}")))
    assert "ix_product_topics_trgm" in plan, plan
