"""The portal's TAXII 2.1 server through the Flask test client: media types, errors,
paging, the dissemination rule, the audit trail and the dissemination log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.exchange import stix
from flo_portal.exchange.policies import COLLECTIONS
from flo_portal.products.models import ProductRecipient
from tests.exchange.conftest import TAXII

ALL = COLLECTIONS[0].id
IW = COLLECTIONS[1].id
ROOT = "/taxii2/api"


def _h(token, accept=TAXII):
    return {"Authorization": f"Bearer {token}", "Accept": accept}


def _is_taxii_error(response, status):
    assert response.status_code == status, response.data
    assert response.headers["Content-Type"] == TAXII
    body = response.get_json(force=True)
    assert set(body) == {"title", "description", "http_status"}
    assert body["http_status"] == str(status)


def _report_ids(body):
    return [o["id"] for o in body.get("objects", []) if o["type"] == "report"]


def test_discovery_and_the_api_root(client, world, token_for):
    token = token_for(world.flo_a)
    r = client.get("/taxii2/", headers=_h(token))
    assert r.status_code == 200 and r.headers["Content-Type"] == TAXII
    assert r.json["api_roots"] == ["http://localhost/taxii2/api/"]
    root = client.get(f"{ROOT}/", headers=_h(token))
    assert root.json["versions"] == [TAXII]


def test_wrong_accept_is_406_and_no_token_is_401(client, world, token_for):
    token = token_for(world.flo_a)
    _is_taxii_error(client.get("/taxii2/", headers=_h(token, "application/json")), 406)
    _is_taxii_error(client.get("/taxii2/", headers=_h(token, TAXII.replace("2.1", "2.0"))), 406)
    _is_taxii_error(client.get("/taxii2/", headers={"Accept": TAXII}), 401)
    _is_taxii_error(client.get("/taxii2/", headers=_h("flo_pat_forged")), 401)
    # HTTP Basic with the token as the password works too (clients that only speak Basic).
    import base64

    basic = base64.b64encode(f"anyone:{token}".encode()).decode()
    ok = client.get("/taxii2/", headers={"Authorization": f"Basic {basic}", "Accept": TAXII})
    assert ok.status_code == 200


def test_errors_are_taxii_errors_never_500(client, world, token_for):
    h = _h(token_for(world.flo_a))
    _is_taxii_error(client.get(f"{ROOT}/status/1234/", headers=h), 404)
    _is_taxii_error(client.get(f"{ROOT}/collections/nope/", headers=h), 404)
    _is_taxii_error(client.get(f"{ROOT}/collections/{ALL}/objects/report--x/", headers=h), 404)
    _is_taxii_error(client.get(f"{ROOT}/nothing/here/", headers=h), 404)
    for query in (
        "added_after=%00",
        "added_after=yesterday",
        "limit=0",
        "limit=-3",
        "limit=abc",
        "next=forged",
    ):
        _is_taxii_error(client.get(f"{ROOT}/collections/{ALL}/objects/?{query}", headers=h), 400)
    _is_taxii_error(
        client.get(f"{ROOT}/collections/{ALL}/objects/?match[version]=sometime", headers=h), 400
    )
    _is_taxii_error(client.post(f"{ROOT}/collections/{ALL}/objects/", headers=h, data="{}"), 403)


def test_refused_requests_of_a_signed_in_client_are_audited(client, world, token_for):
    token = token_for(world.flo_a)
    client.get("/taxii2/", headers=_h(token, "text/html"))
    client.get(f"{ROOT}/collections/nope/", headers=_h(token))
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "taxii.refused").order_by(AuditEvent.id)
    ).all()
    assert [e.details["status"] for e in events] == [406, 404]
    assert {e.actor_id for e in events} == {world.flo_a.id}


def test_a_role_without_product_read_is_refused(client, world, make_user, token_for):
    from flo_portal.security.permissions import Role

    admin = make_user(Role.ADMIN)
    _is_taxii_error(client.get("/taxii2/", headers=_h(token_for(admin))), 403)


def test_a_flo_sees_only_its_audience_and_never_red(client, world, token_for):
    seen_a = _report_ids(
        client.get(f"{ROOT}/collections/{ALL}/objects/", headers=_h(token_for(world.flo_a))).json
    )
    seen_b = _report_ids(
        client.get(f"{ROOT}/collections/{ALL}/objects/", headers=_h(token_for(world.flo_b))).json
    )
    rid = stix.report_id
    assert seen_a == [rid(world.green_all.id), rid(world.amber_a.id), rid(world.iw.id)]
    assert seen_b == [rid(world.green_all.id), rid(world.iw.id), rid(world.strict_b.id)]
    # The FLO of B is named on the RED product and sees it in the portal, never by TAXII.
    assert rid(world.red_b.id) not in seen_b
    coordinator = client.get(
        f"{ROOT}/collections/{ALL}/objects/", headers=_h(token_for(world.coordinator))
    ).json
    assert rid(world.red_b.id) not in _report_ids(coordinator)
    assert len(_report_ids(coordinator)) == 4
    iw = client.get(f"{ROOT}/collections/{IW}/objects/", headers=_h(token_for(world.flo_a))).json
    assert _report_ids(iw) == [rid(world.iw.id)]


def test_paging_headers_manifest_and_versions(client, world, token_for):
    h = _h(token_for(world.coordinator))
    url = f"{ROOT}/collections/{ALL}/objects/"
    first = client.get(url + "?limit=3", headers=h)
    assert first.json["more"] is True and len(_report_ids(first.json)) == 3
    second = client.get(url + f"?limit=3&next={first.json['next']}", headers=h)
    assert second.json["more"] is False and len(_report_ids(second.json)) == 1
    assert not set(_report_ids(first.json)) & set(_report_ids(second.json))
    assert first.headers["X-TAXII-Date-Added-First"] < first.headers["X-TAXII-Date-Added-Last"]
    after = client.get(url + "?added_after=" + first.headers["X-TAXII-Date-Added-Last"], headers=h)
    assert _report_ids(after.json) == _report_ids(second.json)
    manifest = client.get(f"{ROOT}/collections/{ALL}/manifest/", headers=h).json
    assert [m["id"] for m in manifest["objects"]] == _report_ids(first.json) + _report_ids(
        second.json
    )
    rid = stix.report_id(world.green_all.id)
    versions = client.get(f"{ROOT}/collections/{ALL}/objects/{rid}/versions/", headers=h).json
    assert versions["versions"] == [manifest["objects"][0]["version"]]
    one = client.get(f"{ROOT}/collections/{ALL}/objects/{rid}/", headers=h).json
    assert _report_ids(one) == [rid]
    # Every envelope is a valid STIX 2.1 bundle's worth of objects.
    bundle = {"type": "bundle", "id": "bundle--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12}
    assert stix.validation_errors({**bundle, "objects": first.json["objects"]}) == []


def test_requests_are_audited_and_objects_logged_as_disseminated(client, world, token_for):
    flo = world.flo_a
    client.get(f"{ROOT}/collections/{ALL}/objects/", headers=_h(token_for(flo)))
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "taxii.objects")
    ).all()
    assert len(events) == 1 and events[0].actor_id == flo.id
    assert events[0].details["results"] == 3
    # The FLO is in the audience of all three, so publishing logged them already (one row
    # per person and version): the TAXII read keeps that row and adds no second one.
    logged = db.session.scalars(
        sa.select(ProductRecipient.product_id).where(ProductRecipient.user_id == flo.id)
    ).all()
    assert {world.green_all.id, world.amber_a.id, world.iw.id} <= set(logged)


def test_staff_receipt_is_written_by_taxii(client, world, token_for):
    """A coordinator is in no audience, so the TAXII read is their dissemination row."""
    client.get(f"{ROOT}/collections/{ALL}/objects/", headers=_h(token_for(world.coordinator)))
    rows = db.session.scalars(
        sa.select(ProductRecipient).where(ProductRecipient.user_id == world.coordinator.id)
    ).all()
    assert len(rows) == 4 and all(r.rule.startswith("TAXII 2.1") for r in rows)
    # Reading again adds nothing (one row per person and version).
    client.get(f"{ROOT}/collections/{ALL}/objects/", headers=_h(token_for(world.coordinator)))
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ProductRecipient)
            .where(ProductRecipient.user_id == world.coordinator.id)
        )
        == 4
    )


ODD = [
    "match[id]=" + "x" * 5000,
    "match[version]=2026-02-30T00:00:00Z",
    "match[version]=,,,",
    "match[type]=report,indicator&match[spec_version]=2.0",
    "added_after=2026-01-01T00:00:00.1234567890Z",
    "added_after=9999-12-31T23:59:59.999Z",
    "match[version]=9999-12-31T23:59:59.999Z",
    "limit=99999999999999999999999",
    "next=" + "A" * 2000,
    "next=%FF%FE",
]


@pytest.mark.parametrize("query", ODD)
@pytest.mark.parametrize("endpoint", ["objects/", "manifest/", "objects/report--x/versions/"])
def test_odd_input_is_never_a_500(client, world, token_for, query, endpoint):
    r = client.get(
        f"{ROOT}/collections/{ALL}/{endpoint}?{query}", headers=_h(token_for(world.flo_a))
    )
    assert r.status_code < 500 and r.headers["Content-Type"] == TAXII
