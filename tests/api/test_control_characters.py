"""The API refuses control characters in bodies and query strings with a clear 422."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.roster.models import Officer
from flo_portal.security.permissions import Role
from tests.api.conftest import error_of
from tests.factories import AgencyFactory


def test_bodies_and_queries_refuse_control_characters(client, api):
    agency = AgencyFactory()
    db.session.commit()
    _user, headers = api(Role.COORDINATOR)
    body = {"agency_id": agency.id, "first_name": "Dana\rEvil", "last_name": "Reyes"}

    refused = client.post("/api/v1/officers", json=body, headers=headers)
    assert refused.status_code == 422
    assert error_of(refused)["fields"] == {
        "first_name": ["control character not allowed (U+000D at position 5)"]
    }
    # Multi-line text keeps its line breaks but never a NUL.
    nul = client.post(
        "/api/v1/officers",
        json=dict(body, first_name="Dana", reason="ok\x00"),
        headers=headers,
    )
    assert error_of(nul)["fields"] == {
        "reason": ["control character not allowed (U+0000 at position 3)"]
    }
    assert db.session.scalar(sa.select(sa.func.count(Officer.id))) == 0
    created = client.post(
        "/api/v1/officers",
        json=dict(body, first_name="Dana", reason="Keen.\nVery keen."),
        headers=headers,
    )
    assert created.status_code == 201

    query = client.get("/api/v1/agencies", query_string={"q": "a\x00b"}, headers=headers)
    assert query.status_code == 422
    assert error_of(query)["fields"]["q"] == [
        "control character not allowed (U+0000 at position 2)"
    ]
