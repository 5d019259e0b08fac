"""The OASIS taxii2-client reads the portal's TAXII server over real HTTP (werkzeug on
127.0.0.1): discovery, collections, paging, added_after, a token that may see less, and
TLP:RED in no collection."""

from __future__ import annotations

import logging

import pytest
import requests
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot, Server, as_pages

from flo_portal.exchange import stix
from tests.exchange.conftest import serve

log = logging.getLogger("tests.exchange.transcript")


class Bearer(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


@pytest.fixture
def portal(app, db):
    with serve(app) as base:
        yield base


def _reports(envelope):
    return [o["id"] for o in envelope.get("objects", []) if o["type"] == "report"]


def test_taxii2_client_session(portal, world, token_for, capsys):
    db_token = token_for(world.coordinator)
    server = Server(f"{portal}/taxii2/", auth=Bearer(db_token))
    transcript = [f"discovery: {server.title!r} default={server.default.url}"]
    assert [r.url for r in server.api_roots] == [f"{portal}/taxii2/api/"]
    root = server.default
    assert root.versions == ["application/taxii+json;version=2.1"]
    titles = [(c.title, c.can_read, c.can_write) for c in root.collections]
    transcript.append(f"collections: {titles}")
    assert titles == [("Products", True, False), ("Indicators and warnings", True, False)]
    products = root.collections[0]

    # Paging: two reports a page, following `next` until `more` is false.
    pages = []
    envelope = products.get_objects(limit=2)
    pages.append(_reports(envelope))
    while envelope.get("more"):
        envelope = products.get_objects(limit=2, next=envelope["next"])
        pages.append(_reports(envelope))
    transcript.append(f"objects, limit=2: {[len(p) for p in pages]} reports per page")
    assert [len(p) for p in pages] == [2, 2]
    everything = [i for p in pages for i in p]
    assert stix.report_id(world.red_b.id) not in everything
    # taxii2-client's own pager reaches the same objects.
    paged = [i for env in as_pages(products.get_objects, per_request=2) for i in _reports(env)]
    assert paged == everything

    # added_after: only what was added after the second report's date_added.
    manifest = products.get_manifest()
    transcript.append(
        "manifest: " + ", ".join(f"{m['id'][:15]}… {m['date_added']}" for m in manifest["objects"])
    )
    cut = manifest["objects"][1]["date_added"]
    later = _reports(products.get_objects(added_after=cut))
    transcript.append(f"objects added_after={cut}: {len(later)} reports")
    assert later == everything[2:]

    # One object and its versions.
    rid = everything[0]
    versions = products.object_versions(rid)
    transcript.append(f"versions of {rid[:15]}…: {versions['versions']}")
    assert versions["versions"] == [manifest["objects"][0]["version"]]
    assert _reports(products.get_object(rid)) == [rid]

    # Status: unknown is 404.
    with pytest.raises(requests.HTTPError) as err:
        root.get_status("2d086da7-4bdc-4f91-900e-d77486753710")
    assert err.value.response.status_code == 404
    transcript.append("status of an unknown id: 404")
    with capsys.disabled():
        print("\n--- taxii2-client session ---\n" + "\n".join(transcript))


def test_a_flo_token_sees_less_and_red_is_in_no_collection(portal, world, token_for):
    flo_b = ApiRoot(f"{portal}/taxii2/api/", auth=Bearer(token_for(world.flo_b)))
    coordinator = ApiRoot(f"{portal}/taxii2/api/", auth=Bearer(token_for(world.coordinator)))
    for c_flo, c_staff in zip(flo_b.collections, coordinator.collections, strict=True):
        seen_flo = set(_reports(c_flo.get_objects()))
        seen_staff = set(_reports(c_staff.get_objects()))
        assert stix.report_id(world.red_b.id) not in seen_flo | seen_staff
        assert seen_flo <= seen_staff
    seen_b = set(_reports(flo_b.collections[0].get_objects()))
    assert stix.report_id(world.amber_a.id) not in seen_b  # agency A's product
    assert stix.report_id(world.strict_b.id) in seen_b


def test_no_token_is_refused(portal, world):
    with pytest.raises((requests.HTTPError, TAXIIServiceException)) as err:
        Server(f"{portal}/taxii2/").refresh()
    assert "401" in str(err.value)
