"""Activating an officer needs the current agreements signed: pages, API and import."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.roster.importer import import_csv
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.security.permissions import Role
from tests.agreements.conftest import sign_form
from tests.conftest import sign_in
from tests.factories import AgencyFactory
from tests.roster.factories import OfficerFactory

MISSING = "signature of the current non-disclosure agreement (version 3.0)"


def _vetted_officer(make_user):
    """An officer in vetting with every typed onboarding date, and an FLO account."""
    agency = AgencyFactory()
    flo = make_user(Role.LIAISON_OFFICER, agency=agency, name="Rita Moreno")
    today = clock.today()
    officer = OfficerFactory(
        agency=agency,
        user=flo,
        first_name="Rita",
        last_name="Moreno",
        status=OfficerStatus.VETTING,
        supervisor_approved_on=today,
        nda_signed_on=today,
        privacy_ack_on=today,
    )
    db.session.commit()
    return officer, flo


def _status(officer_id: int) -> OfficerStatus:
    db.session.expire_all()
    return OfficerStatus(db.session.get(Officer, officer_id).status)


def _sign(app, flo, version) -> None:
    client = app.test_client()
    sign_in(client, flo)
    assert (
        client.post(f"/agreements/{version.id}/sign", data=sign_form(flo.name)).status_code == 302
    )


def test_activation_on_the_officer_page_needs_the_signatures(
    app, client, login_as, make_user, publish
):
    officer, flo = _vetted_officer(make_user)
    nda = publish(kind="nda", version="3.0")
    login_as(Role.COORDINATOR)
    url = f"/roster/officers/{officer.id}/status"
    refused = client.post(
        url, data={"target": "active", "reason": "Cleared"}, follow_redirects=True
    )
    assert MISSING in refused.get_data(as_text=True)
    assert _status(officer.id) == OfficerStatus.VETTING
    profile = client.get(f"/roster/officers/{officer.id}").get_data(as_text=True)
    assert MISSING in profile
    assert "not signed" in profile
    _sign(app, flo, nda)
    client.post(url, data={"target": "active", "reason": "Cleared"})
    assert _status(officer.id) == OfficerStatus.ACTIVE
    profile = client.get(f"/roster/officers/{officer.id}").get_data(as_text=True)
    assert "signed in the portal" in profile and "not signed" not in profile


def test_activation_through_the_api_needs_the_signatures(
    app, client, make_user, publish, token_for
):
    officer, flo = _vetted_officer(make_user)
    nda = publish(kind="nda", version="3.0")
    coordinator = make_user(Role.COORDINATOR)
    headers = {"Authorization": f"Bearer {token_for(coordinator)}"}
    url = f"/api/v1/officers/{officer.id}/status"
    refused = client.post(url, json={"status": "active", "reason": "Cleared"}, headers=headers)
    assert refused.status_code == 409
    assert MISSING in refused.get_json()["error"]["message"]
    assert _status(officer.id) == OfficerStatus.VETTING
    _sign(app, flo, nda)
    done = client.post(url, json={"status": "active", "reason": "Cleared"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "active"
    assert _status(officer.id) == OfficerStatus.ACTIVE


def test_the_api_refuses_bad_status_changes_as_json(client, make_user, token_for):
    officer, _flo = _vetted_officer(make_user)
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.COORDINATOR))}"}
    url = f"/api/v1/officers/{officer.id}/status"
    assert client.post(url, json={"status": "active"}, headers=headers).status_code == 422
    assert (
        client.post(url, json={"status": "bogus", "reason": "x"}, headers=headers).status_code
        == 422
    )
    flo_headers = {"Authorization": f"Bearer {token_for(make_user(Role.LIAISON_OFFICER))}"}
    assert (
        client.post(url, json={"status": "active", "reason": "x"}, headers=flo_headers).status_code
        == 403
    )


CSV = """external_id,first_name,last_name,agency,status,supervisor_approved_on,nda_signed_on,privacy_ack_on
AG-1,Ann,Archer,Alpha PD,active,2025-01-06,2025-01-08,2025-01-08
AG-2,Bob,Baker,Alpha PD,nominated,,,
"""


def test_import_refuses_active_officers_while_agreements_are_unsigned(
    client, login_as, make_user, publish
):
    AgencyFactory(name="Alpha PD")
    db.session.commit()
    actor = make_user(Role.COORDINATOR)
    publish(kind="nda", version="3.0")
    report = import_csv(CSV.encode(), actor=actor, filename="o.csv")
    assert not report.ok and not report.applied
    problem = next(p for p in report.problems if p.column == "status")
    assert problem.line == 2 and MISSING in problem.message
    assert db.session.scalar(sa.select(sa.func.count(Officer.id))) == 0
    # The page says the same (and keeps nothing).
    import io

    login_as(actor)
    response = client.post(
        "/roster/import",
        data={"file": (io.BytesIO(CSV.encode()), "o.csv"), "kind": "officers", "mode": "all"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and MISSING in response.get_data(as_text=True)
    # Imported as nominated, they are taken; activation then goes through the status machine.
    ok = import_csv(CSV.replace(",active,", ",nominated,").encode(), actor=actor, filename="o.csv")
    assert ok.ok and ok.created == 2


def test_existing_officers_are_reimported_without_the_agreement_rule(make_user, publish):
    """An import never changes an existing officer's status, so the rule does not apply."""
    AgencyFactory(name="Alpha PD")
    OfficerFactory(external_id="AG-1", status=OfficerStatus.ACTIVE)
    db.session.commit()
    publish(kind="nda", version="3.0")
    report = import_csv(CSV.encode(), actor=make_user(Role.COORDINATOR), filename="o.csv")
    assert report.ok, report.problems
