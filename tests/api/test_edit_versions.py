"""The API honours ETag / If-Match on officers and agencies: a stale write is 409."""

from __future__ import annotations

import pytest

from flo_portal.agencies.models import Agency
from flo_portal.core.extensions import db
from flo_portal.roster.models import Officer
from flo_portal.security.permissions import Role
from tests.api.conftest import error_of
from tests.factories import AgencyFactory
from tests.roster.factories import OfficerFactory

CASES = {
    "officer": (lambda: OfficerFactory(rank_title="Sergeant"), Officer, "officers", "rank_title"),
    "agency": (
        lambda: AgencyFactory(jurisdiction="Ash County"),
        Agency,
        "agencies",
        "jurisdiction",
    ),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_if_match_fresh_saves_and_stale_is_409(client, api, kind):
    build, model, path, field = CASES[kind]
    obj = build()
    db.session.commit()
    obj_id = obj.id
    _user, headers = api(Role.COORDINATOR)
    url = f"/api/v1/{path}/{obj_id}"

    read = client.get(url, headers=headers)
    assert read.status_code == 200
    etag = read.headers["ETag"]
    assert etag == 'W/"1"' and read.json["version"] == 1

    first = client.patch(url, json={field: "First"}, headers={**headers, "If-Match": etag})
    assert first.status_code == 200, first.json
    assert first.headers["ETag"] == 'W/"2"' and first.json[field] == "First"

    stale = client.patch(url, json={field: "Second"}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 409
    assert error_of(stale)["code"] == "conflict"
    stale_body = client.patch(url, json={field: "Second", "version": 1}, headers=headers)
    assert stale_body.status_code == 409
    assert error_of(stale_body)["code"] == "conflict"
    db.session.expire_all()
    assert getattr(db.session.get(model, obj_id), field) == "First"

    by_body = client.patch(url, json={field: "Third", "version": 2}, headers=headers)
    assert by_body.status_code == 200 and by_body.headers["ETag"] == 'W/"3"'


def test_a_write_without_if_match_or_version_is_refused(client, api):
    agency = AgencyFactory(jurisdiction="Ash County")
    db.session.commit()
    _user, headers = api(Role.COORDINATOR)
    r = client.patch(f"/api/v1/agencies/{agency.id}", json={"jurisdiction": "X"}, headers=headers)
    assert r.status_code == 428
    assert error_of(r)["code"] == "precondition_required"
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).jurisdiction == "Ash County"


def test_the_document_describes_etag_and_if_match(client):
    spec = client.get("/api/v1/openapi.json").json
    patch = spec["paths"]["/api/v1/officers/{officer_id}"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
    assert {"409", "428"} <= set(patch["responses"])
    get = spec["paths"]["/api/v1/agencies/{agency_id}"]["get"]
    assert "ETag" in get["responses"]["200"]["headers"]
