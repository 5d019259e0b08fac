"""The portal's TAXII client polls the OASIS reference server medallion (memory back-end,
on 127.0.0.1 in a thread) loaded with a bundle the test builds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import stix2
from medallion import application_instance, register_blueprints
from medallion.backends.memory_backend import MemoryBackend

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.exchange import stix
from flo_portal.exchange.models import ImportedObject, PartnerCollection
from flo_portal.exchange.taxii_client import PollFailed, poll_partners
from flo_portal.jobs.models import JobRun
from flo_portal.products.models import Product, ProductStatus
from flo_portal.security.permissions import Role
from tests.exchange.conftest import serve

API_ROOT = "trustgroup1"
COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
_registered = False


def _medallion_app(backend: MemoryBackend):
    global _registered
    if not _registered:
        register_blueprints(application_instance)
        _registered = True
    application_instance.users_backend = {"partner": "partner-secret"}
    application_instance.taxii_config = {"max_page_size": 100}
    application_instance.medallion_backend = backend
    return application_instance


def _backend(base: str) -> MemoryBackend:
    backend = MemoryBackend()
    backend.data = {
        "/discovery": {
            "title": "Partner TAXII",
            "default": f"{base}/{API_ROOT}/",
            "api_roots": [f"{base}/{API_ROOT}/"],
        },
        API_ROOT: {
            "information": {
                "title": "Partner root",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 10485760,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION,
                    "title": "Partner indicators",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    return backend


class Partner:
    """A medallion server and a way to add objects to its collection at a given time."""

    def __init__(self, base: str, backend: MemoryBackend):
        self.base = base
        self.backend = backend
        self.url = f"{base}/{API_ROOT}/collections/{COLLECTION}/"

    def add(self, objects: list, at: datetime) -> None:
        self.backend.add_objects(API_ROOT, COLLECTION, {"objects": objects}, at)

    def add_raw(self, obj: dict, at: str) -> None:
        """An object straight into the store, as a broken partner would serve it."""
        coll = self.backend.data[API_ROOT]["collections"][0]
        coll["objects"].append(obj)
        coll["manifest"].append(
            {
                "id": obj["id"],
                "date_added": at,
                "version": obj.get("modified", at),
                "media_type": "application/stix+json;version=2.1",
            }
        )


@pytest.fixture
def partner():
    # medallion's routes need a host:port it can name in discovery: start, then load.
    holder = {}

    def app(environ, start_response):
        return holder["app"](environ, start_response)

    with serve(app) as base:
        backend = _backend(base)
        holder["app"] = _medallion_app(backend)
        yield Partner(base, backend)


def _j(obj) -> dict:
    return json.loads(obj.serialize())


def partner_bundle(n: int = 2, tlp: str = "TLP:GREEN") -> list[dict]:
    """A partner's reports (each with an indicator), markings and identity, as JSON."""
    ident = stix2.v21.Identity(name="Neighbour Fusion Center", identity_class="organization")
    marking = stix.tlp_marking(tlp)
    caveat = stix2.v21.MarkingDefinition(
        definition_type="statement",
        definition=stix2.v21.StatementMarking(statement="Law enforcement sensitive"),
    )
    objects = [_j(ident), _j(marking), _j(caveat)]
    for i in range(n):
        indicator = stix2.v21.Indicator(
            name=f"Scanner {i}",
            pattern=f"[ipv4-addr:value = '198.51.100.{i + 1}']",
            pattern_type="stix",
            valid_from="2026-10-01T00:00:00Z",
            created_by_ref=ident.id,
            object_marking_refs=[marking.id],
        )
        report = stix2.v21.Report(
            name=f"Scanning of county networks {i}",
            description=f"Scanning from a small range, wave {i}.\n\nDetails follow.",
            published="2026-10-02T00:00:00Z",
            report_types=["threat-report"],
            labels=["indicators_warnings", "cyber"],
            object_refs=[indicator.id],
            created_by_ref=ident.id,
            object_marking_refs=[marking.id, caveat.id],
        )
        objects += [_j(indicator), _j(report)]
    return objects


@pytest.fixture
def registered(make_user, partner, monkeypatch):
    monkeypatch.setenv("PARTNER_TAXII_CREDENTIALS", "partner:partner-secret")
    reviewer = make_user(Role.ANALYST, name="Reviewing Analyst")
    coll = PartnerCollection(
        partner_name="Neighbour Center",
        url=partner.url,
        credentials_env="PARTNER_TAXII_CREDENTIALS",
        accept_tlps="TLP:CLEAR,TLP:GREEN",
        reviewer_id=reviewer.id,
    )
    db.session.add(coll)
    db.session.commit()
    return coll


def _drafts():
    return db.session.scalars(sa.select(Product).order_by(Product.id)).all()


T0 = datetime(2026, 11, 2, 14, 0, 0, 250000, tzinfo=UTC)


def test_new_reports_become_drafts_once(clock, partner, registered):
    bundle = partner_bundle(2)
    partner.add(bundle, T0 + timedelta(minutes=1))
    assert poll_partners(T0) == {
        "partners": 1,
        "imported": 2,
        "duplicates": 0,
        "refused_tlp": 0,
        "failed": 0,
    }
    db.session.commit()
    drafts = _drafts()
    assert len(drafts) == 2
    for p in drafts:
        assert p.status == ProductStatus.DRAFT and p.version == 0 and p.published_at is None
        assert p.title.startswith("[Neighbour Center] Scanning of county networks")
        assert p.author_id == registered.reviewer_id
        assert p.tlp == "TLP:GREEN" and p.caveats == "Law enforcement sensitive"
        assert p.product_type == "indicators_warnings"
        assert "Received from partner Neighbour Center" in p.body_md
        assert "198.51.100." in p.body_md  # the indicator's pattern
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "exchange.imported")
    ).all()
    assert len(events) == 2 and all(e.actor_email == "job:taxii_poll" for e in events)
    db.session.refresh(registered)
    assert registered.added_after  # the partner's X-TAXII-Date-Added-Last

    # Polling again (the cursor, and with it cleared): nothing twice.
    assert poll_partners(T0)["imported"] == 0
    db.session.commit()
    registered.added_after = ""
    db.session.commit()
    again = poll_partners(T0)
    assert again["imported"] == 0 and again["duplicates"] == 2
    db.session.commit()
    assert len(_drafts()) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportedObject)) == 2

    # A new version of one report (same id, later modified) is a new draft.
    first = stix2.parse(next(o for o in bundle if o["type"] == "report"))
    revised = first.new_version(name="Scanning of county networks, revised")
    partner.add([_j(revised)], T0 + timedelta(minutes=5))
    assert poll_partners(T0)["imported"] == 1
    db.session.commit()
    assert _drafts()[-1].title == "[Neighbour Center] Scanning of county networks, revised"


def test_labels_the_center_does_not_accept_are_not_imported(clock, partner, registered):
    partner.add(partner_bundle(1, tlp="TLP:AMBER"), T0 + timedelta(minutes=1))
    counts = poll_partners(T0)
    assert counts["imported"] == 0 and counts["refused_tlp"] == 1
    db.session.commit()
    assert _drafts() == []


def test_a_bad_bundle_is_reported_and_nothing_of_it_imported(clock, partner, registered, app):
    from flo_portal.jobs.runner import run_job

    partner.add(partner_bundle(2), T0 + timedelta(minutes=1))
    partner.add_raw(
        {
            "type": "report",
            "spec_version": "2.1",
            "id": "report--6b0e6f5a-2b3c-4d5e-8f90-123456789abc",
            "created": "2026-10-02T00:00:00.000Z",
            "modified": "2026-10-02T00:00:00.000Z",
            "published": "2026-10-02T00:00:00Z",
            "object_refs": [],  # no name, and a report must refer to something
        },
        "2026-11-02T14:02:00.000Z",
    )
    with pytest.raises(PollFailed, match="Neighbour Center"):
        poll_partners(T0)
    db.session.commit()
    assert _drafts() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportedObject)) == 0
    db.session.refresh(registered)
    assert "BadBundle" in registered.last_error and registered.added_after == ""
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "exchange.poll_failed")
    )
    # Through the scheduler's runner: the run is recorded as failed.
    run = run_job("taxii_poll")
    assert run.outcome == "error" and "PollFailed" in run.error
    assert db.session.get(JobRun, run.id).outcome == "error"
    assert _drafts() == []


def test_an_unreachable_or_unauthorised_partner_fails_the_run(
    clock, partner, registered, monkeypatch
):
    monkeypatch.setenv("PARTNER_TAXII_CREDENTIALS", "partner:wrong")
    with pytest.raises(PollFailed, match="401"):
        poll_partners(T0)
    monkeypatch.delenv("PARTNER_TAXII_CREDENTIALS")
    with pytest.raises(PollFailed, match="not set"):
        poll_partners(T0)
