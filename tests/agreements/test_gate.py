"""After the grace period an unsigned user reaches only their account and the agreement."""

from __future__ import annotations

from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from tests.agreements.conftest import days_later, sign_form
from tests.conftest import sign_in

GATED_PAGES = ("/products/", "/rfis/", "/dashboard", "/briefings/")
OPEN_PAGES = ("/account/", "/agreements/")


def test_within_the_grace_period_nothing_is_gated(client, make_user, publish):
    flo = make_user(Role.LIAISON_OFFICER)
    publish()
    with days_later(14):  # AGREEMENT_GRACE_DAYS: the last day of grace
        sign_in(client, flo)
        client.get("/dashboard")  # asked once
        for url in GATED_PAGES:
            assert client.get(url).status_code == 200, url


def test_after_the_grace_period_only_account_and_agreement_open(
    app, client, make_user, publish, token_for
):
    flo = make_user(Role.LIAISON_OFFICER)
    version = publish()
    token = token_for(flo)
    with days_later(15):
        sign_in(client, flo)
        for url in GATED_PAGES:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.location.endswith(f"/agreements/{version.id}"), url
        page = client.get(f"/agreements/{version.id}").get_data(as_text=True)
        assert "grace period has ended" in page
        for url in OPEN_PAGES:
            assert client.get(url).status_code == 200, url
        api = client.get("/api/v1/products", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 403
        error = api.get_json()["error"]
        assert error["code"] == "agreement_unsigned" and "Test privacy policy" in error["message"]
        # A browser session's API calls are gated too.
        assert client.get("/api/v1/rfis").status_code == 403
        assert client.post("/auth/logout").status_code in (302, 303)

        sign_in(client, flo)
        signed = client.post(f"/agreements/{version.id}/sign", data=sign_form(flo.name))
        assert signed.status_code == 302
        for url in GATED_PAGES:
            assert client.get(url).status_code == 200, url
        api = client.get("/api/v1/products", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 200
    db.session.rollback()


def test_roles_that_need_not_sign_are_not_gated(client, make_user, publish):
    analyst = make_user(Role.ANALYST)
    publish()
    with days_later(30):
        sign_in(client, analyst)
        assert client.get("/products/").status_code == 200
