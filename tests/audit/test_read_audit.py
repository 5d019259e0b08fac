"""Reads are audited: list pages, searches, exports and API lists record who, which
filters (by name; enumerated values too), how many rows, never the search text; a
refused read of an object that exists records ``access.refused``; an id that names no
row is a bare 404 with no event."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from bench.harness import sign_in
from flo_portal.agencies.models import Discipline
from flo_portal.api.models import TokenScope
from flo_portal.api.tokens import create_token
from flo_portal.audit.models import AuditEvent
from flo_portal.audit.services import verify_chain
from flo_portal.core.extensions import db
from flo_portal.roster.models import OfficerStatus
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory
from tests.rfis.helpers import submit
from tests.roster.factories import OfficerFactory

SECRET = "Zebrafinch"  # a search term that must never reach the trail

pytestmark = pytest.mark.usefixtures("_frozen_clock")


@pytest.fixture
def _frozen_clock():
    with time_machine.travel(datetime(2026, 3, 10, 15, 0, tzinfo=UTC), tick=False):
        yield


def _events(action: str | None = None, **where) -> list[AuditEvent]:
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, name) == value)
    return list(db.session.scalars(stmt))


def _no_secret(event: AuditEvent) -> None:
    stored = event.summary + json.dumps(event.details)
    assert SECRET.lower() not in stored.lower()


def _bearer(user) -> dict:
    _row, text = create_token(user, "test token", TokenScope.READ, 30)
    db.session.commit()
    return {"Authorization": f"Bearer {text}"}


# --- list pages, searches, exports, API lists -------------------------------------------


def test_agency_list_and_search_record_filter_names_values_and_count(client, login_as):
    AgencyFactory(name=f"{SECRET} County Sheriff", discipline=Discipline.LAW_ENFORCEMENT)
    AgencyFactory(name="Harbor Fire District", discipline=Discipline.FIRE)
    AgencyFactory(name="Metro EMS", discipline=Discipline.EMS)
    db.session.commit()
    coordinator = login_as(Role.COORDINATOR)

    assert client.get("/agencies/").status_code == 200
    (listed,) = _events("agency.listed")
    assert listed.actor_id == coordinator.id
    assert listed.details["filters"] == [] and listed.details["results"] == 3

    page = client.get("/agencies/", query_string={"q": SECRET, "discipline": "law_enforcement"})
    assert page.status_code == 200 and f"{SECRET} County Sheriff" in page.get_data(as_text=True)
    (searched,) = _events("agency.searched")
    assert searched.actor_id == coordinator.id
    assert searched.details["filters"] == ["q", "discipline"]
    assert searched.details["values"] == {"discipline": "law_enforcement"}  # enumerated: kept
    assert searched.details["results"] == 1
    _no_secret(searched)


def test_roster_csv_export_records_filter_names_and_rows_not_the_text(client, login_as):
    agency = AgencyFactory()
    OfficerFactory(agency=agency, last_name=SECRET, status=OfficerStatus.ACTIVE)
    OfficerFactory(agency=agency, last_name="Other", status=OfficerStatus.ACTIVE)
    db.session.commit()
    coordinator = login_as(Role.COORDINATOR)

    response = client.get("/roster/officers.csv", query_string={"q": SECRET, "status": "active"})
    assert response.status_code == 200 and SECRET in response.get_data(as_text=True)
    (event,) = _events("roster.exported")
    assert event.actor_id == coordinator.id
    assert event.details["filters"] == ["q", "status"]
    assert event.details["values"] == {"status": "active"}
    assert event.details["results"] == 1
    _no_secret(event)  # before this change the export stored {"q": "<the search text>"}


def test_admin_user_search_is_audited_without_the_text(client, login_as, make_user):
    make_user(Role.ANALYST, name=f"Dana {SECRET}")
    admin = login_as(Role.ADMIN)
    page = client.get("/admin/users", query_string={"q": SECRET, "role": "analyst"})
    assert page.status_code == 200 and SECRET in page.get_data(as_text=True)
    (event,) = _events("user.searched")
    assert event.actor_id == admin.id
    assert (event.details["filters"], event.details["results"]) == (["q", "role"], 1)
    assert event.details["values"] == {"role": "analyst"}
    _no_secret(event)


def test_api_list_is_audited_with_filters_and_page_rows(client, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    submit(flo, title="One")
    submit(flo, title="Two")
    headers = _bearer(flo)

    response = client.get("/api/v1/rfis", headers=headers, query_string={"priority": "routine"})
    assert response.status_code == 200 and len(response.get_json()["data"]) == 2
    (event,) = _events("rfi.searched")
    assert event.actor_id == flo.id
    assert event.details["filters"] == ["priority"]
    assert event.details["values"] == {"priority": "routine"}
    assert event.details["results"] == 2 and event.details["via"] == "api"

    assert client.get("/api/v1/products", headers=headers).status_code == 200
    (products,) = _events("product.listed")
    assert products.details["results"] == 0 and products.details["via"] == "api"


def test_a_refused_list_request_records_no_listing(client, login_as):
    login_as(Role.LIAISON_OFFICER)
    assert client.get("/admin/users").status_code == 403
    assert not [e for e in _events() if e.action.startswith("user.")]


def test_read_events_keep_the_chain_intact(client, login_as):
    AgencyFactory()
    db.session.commit()
    login_as(Role.COORDINATOR)
    for _ in range(3):
        assert client.get("/agencies/", query_string={"q": SECRET}).status_code == 200
    assert len(_events("agency.searched")) == 3
    assert verify_chain().ok


# --- refused object reads -----------------------------------------------------------------


def test_flo_opening_another_agencys_rfi_gets_404_and_a_refusal_event(client, make_user, login_as):
    owner = make_user(Role.LIAISON_OFFICER)
    rfi = submit(owner, title=f"{SECRET} sightings")
    rfi_id = rfi.id
    before = len(_events())
    outsider = login_as(Role.LIAISON_OFFICER)  # another agency (make_user gives each its own)
    assert outsider.agency_id != owner.agency_id

    response = client.get(f"/rfis/{rfi_id}")
    assert response.status_code == 404
    assert SECRET not in response.get_data(as_text=True)
    (event,) = _events("access.refused")
    assert (event.actor_id, event.object_type, event.object_id) == (outsider.id, "rfi", str(rfi_id))
    assert event.details["status"] == 404 and event.details["endpoint"] == "rfis.detail"
    _no_secret(event)
    # The refusal is the only thing the request left behind (no "rfi.viewed").
    assert len(_events()) == before + 1


def test_refused_api_read_is_audited_too(client, make_user):
    owner = make_user(Role.LIAISON_OFFICER)
    rfi_id = submit(owner).id
    outsider = make_user(Role.LIAISON_OFFICER)
    response = client.get(f"/api/v1/rfis/{rfi_id}", headers=_bearer(outsider))
    assert response.status_code == 404
    (event,) = _events("access.refused", object_id=str(rfi_id))
    assert (event.actor_id, event.object_type) == (outsider.id, "rfi")


def test_refused_403_on_an_officer_is_recorded_with_its_status(client, login_as, make_user):
    agency = AgencyFactory()
    officer = OfficerFactory(agency=agency)
    db.session.commit()
    analyst = login_as(Role.ANALYST)  # may read the roster, may not edit contacts
    assert client.get(f"/roster/officers/{officer.id}/contact").status_code == 403
    (event,) = _events("access.refused")
    assert (event.actor_id, event.object_type, event.object_id) == (
        analyst.id,
        "officer",
        str(officer.id),
    )
    assert event.details["status"] == 403


@pytest.mark.parametrize(
    "url",
    ["/rfis/{missing}", "/api/v1/rfis/{missing}", "/products/{missing}", "/rfis/99999999999"],
)
def test_an_id_that_names_no_row_is_404_and_no_event(client, make_user, url):
    flo = make_user(Role.LIAISON_OFFICER)
    missing = submit(flo).id + 1000
    headers = _bearer(flo)
    sign_in(client, flo)
    response = client.get(url.format(missing=missing), headers=headers)
    assert response.status_code == 404
    assert _events("access.refused") == []
