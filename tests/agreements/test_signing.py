"""Publishing versions, signing them in the portal, re-signing a new version."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from flo_portal.agreements.models import (
    AgreementSignature,
    AgreementVersion,
    ImmutableVersion,
    SignatureMethod,
)
from flo_portal.agreements.queries import unsigned_current_versions
from flo_portal.core.extensions import db
from flo_portal.notifications.models import OutboxEmail
from flo_portal.security.permissions import Role
from tests.agreements.conftest import FLO, sign_form, version_form
from tests.conftest import sign_in
from tests.factories import audit_events


def _signatures() -> list[AgreementSignature]:
    return list(db.session.scalars(sa.select(AgreementSignature)))


def test_coordinator_publishes_a_version_with_its_hash_and_those_who_must_sign_are_told(
    client, login_as, make_user
):
    flo = make_user(Role.LIAISON_OFFICER)
    analyst = make_user(Role.ANALYST)
    login_as(Role.COORDINATOR)
    body = "## Privacy policy\n\nWe keep what we must, no more."
    response = client.post(
        "/agreements/new",
        data=version_form("privacy", "2.2", "Privacy and civil-liberties policy", body_md=body),
    )
    assert response.status_code == 302
    version = db.session.scalar(sa.select(AgreementVersion))
    assert version.sha256 == hashlib.sha256(body.encode()).hexdigest()
    assert version.role_values == [FLO] and version.announced_at is not None
    assert audit_events("agreement.published")[0].details["sha256"] == version.sha256
    mails = list(db.session.scalars(sa.select(OutboxEmail)))
    assert [m.to_address for m in mails] == [flo.email]
    assert analyst.email not in {m.to_address for m in mails}
    page = client.get(f"/agreements/{version.id}").get_data(as_text=True)
    assert "We keep what we must" in page and version.sha256 in page


def test_publishing_refuses_a_duplicate_version_and_missing_text(client, login_as, publish):
    publish(version="1.0")
    login_as(Role.COORDINATOR)
    data = version_form("privacy", "1.0", "Again", body_md="Other text")
    response = client.post("/agreements/new", data=data)
    assert response.status_code == 422
    assert "exists already" in response.get_data(as_text=True)
    response = client.post("/agreements/new", data={**data, "version": "1.1", "body_md": ""})
    assert response.status_code == 422 and "PDF" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(AgreementVersion.id))) == 1


def test_a_published_version_cannot_change(publish):
    version = publish()
    version.body_md = "something else"
    with pytest.raises(ImmutableVersion):
        db.session.flush()
    db.session.rollback()


def test_flo_is_asked_at_next_sign_in_and_signs_with_their_name(client, make_user, publish):
    flo = make_user(Role.LIAISON_OFFICER, name="Dana  Whitfield")
    version = publish()
    sign_in(client, flo)
    first = client.get("/dashboard")
    assert first.status_code == 302 and f"/agreements/{version.id}" in first.location
    # Asked once per session while in the grace period: the portal stays open.
    assert client.get("/dashboard").status_code == 200
    page = client.get(first.location).get_data(as_text=True)
    assert "Sign this version" in page
    response = client.post(
        f"/agreements/{version.id}/sign?next=/dashboard",
        data=sign_form(" dana whitfield "),
        headers={"User-Agent": "TestBrowser/1.0"},
    )
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    (sig,) = _signatures()
    assert (sig.user_id, sig.version_id, sig.version_sha256) == (flo.id, version.id, version.sha256)
    assert sig.method == SignatureMethod.PORTAL and sig.ip == "127.0.0.1"
    assert sig.user_agent == "TestBrowser/1.0" and sig.signed_name == "dana whitfield"
    (event,) = audit_events("agreement.signed")
    assert event.actor_id == flo.id and event.details["sha256"] == version.sha256
    assert unsigned_current_versions(flo) == []
    assert "Signed by dana whitfield" in client.get(f"/agreements/{version.id}").get_data(
        as_text=True
    )
    # Signing twice is refused and keeps the one signature.
    again = client.post(f"/agreements/{version.id}/sign", data=sign_form("Dana Whitfield"))
    assert again.status_code == 409 and len(_signatures()) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (sign_form("Someone Else"), "Type your full name as it is on your account"),
        ({"full_name": "Dana Whitfield"}, "Confirm that you have read it"),
        ({"confirm": "y"}, "Type your full name to sign"),
    ],
)
def test_bad_signatures_are_refused_with_422(client, login_as, publish, data, message):
    version = publish()
    login_as(Role.LIAISON_OFFICER, name="Dana Whitfield")
    response = client.post(f"/agreements/{version.id}/sign", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _signatures() == [] and audit_events("agreement.signed") == []


def test_a_new_version_must_be_signed_again(client, make_user, publish):
    flo = make_user(Role.LIAISON_OFFICER)
    first = publish(version="1.0")
    sign_in(client, flo)
    client.post(f"/agreements/{first.id}/sign", data=sign_form(flo.name))
    assert unsigned_current_versions(flo) == []
    second = publish(version="1.1")
    assert [v.id for v in unsigned_current_versions(flo)] == [second.id]
    # The old version is no longer the one to sign.
    assert client.post(f"/agreements/{first.id}/sign", data=sign_form(flo.name)).status_code == 409
    sign_in(client, flo)  # the next sign-in asks for the new version
    asked = client.get("/dashboard")
    assert asked.status_code == 302 and f"/agreements/{second.id}" in asked.location
    client.post(f"/agreements/{second.id}/sign", data=sign_form(flo.name))
    assert unsigned_current_versions(flo) == []
    assert {s.version_id for s in _signatures()} == {first.id, second.id}


def test_a_version_not_yet_in_effect_is_not_asked_for(client, make_user, publish):
    flo = make_user(Role.LIAISON_OFFICER)
    publish(effective_in=5)
    assert unsigned_current_versions(flo) == []
    sign_in(client, flo)
    assert client.get("/dashboard").status_code == 200


def test_other_roles_cannot_see_a_version_they_need_not_sign(client, login_as, publish):
    version = publish(roles=(Role.AGENCY_HEAD.value,))
    login_as(Role.LIAISON_OFFICER)
    assert client.get(f"/agreements/{version.id}").status_code == 404


def test_a_version_can_be_a_pdf_whose_bytes_are_hashed(client, login_as, make_user):
    import io

    flo = make_user(Role.LIAISON_OFFICER)
    login_as(Role.COORDINATOR)
    pdf = b"%PDF-1.4\n% acceptable use\n%%EOF\n"
    response = client.post(
        "/agreements/new",
        data=version_form(
            "acceptable_use", "1", "Acceptable use", pdf=(io.BytesIO(pdf), "aup.pdf")
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    version = db.session.scalar(sa.select(AgreementVersion))
    assert version.sha256 == hashlib.sha256(pdf).hexdigest() and version.pdf_name == "aup.pdf"
    sign_in(client, flo)
    download = client.get(f"/agreements/{version.id}/pdf")
    assert download.status_code == 200 and download.data == pdf
    assert download.mimetype == "application/pdf"
    assert audit_events("agreement.pdf_downloaded")[0].actor_id == flo.id
    # Not a PDF: refused with the upload rule's message.
    login_as(Role.COORDINATOR)
    bad = client.post(
        "/agreements/new",
        data=version_form(
            "acceptable_use", "2", "Acceptable use", pdf=(io.BytesIO(b"hello"), "aup.pdf")
        ),
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(AgreementVersion.id))) == 1
