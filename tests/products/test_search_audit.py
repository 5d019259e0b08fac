"""Product search is audited without the search text (search terms are sensitive)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from tests.products.helpers import draft, publish, staff


def _searches():
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "product.searched").order_by(AuditEvent.id)
    ).all()


def test_search_records_filters_and_count_not_the_text(make_user, client, login_as):
    people = staff(make_user)
    publish(
        draft(people["author"], title="Informant Smith zebrafinch report"), people["coordinator"]
    )
    login_as(make_user(Role.ANALYST))

    r = client.get("/products/?q=Smith+zebrafinch&tlp=TLP:GREEN")
    assert r.status_code == 200 and b"Informant Smith zebrafinch report" in r.data
    (event,) = _searches()
    stored = (event.summary or "") + json.dumps(event.details or {})
    for word in ("zebrafinch", "Smith", "smith"):
        assert word not in stored
    assert event.details["filters"] == ["text", "tlp"] and event.details["results"] == 1
    assert event.details["values"] == {"tlp": "TLP:GREEN"}  # an enumerated filter's value
    assert "text, tlp" in event.summary and "1 rows" in event.summary

    client.get("/products/?product_type=bulletin")
    last = _searches()[-1].details
    assert (last["filters"], last["results"]) == (["product_type"], 1)
    client.get("/products/")  # plain feed: not a search (a listing event instead)
    assert len(_searches()) == 2
