"""Behind a proxy: the client's address comes from X-Forwarded-For only when
TRUSTED_PROXY_HOPS says how many proxies to believe (flo_portal/core/proxy.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db

CLIENT_A = "203.0.113.7"
CLIENT_B = "198.51.100.23"
PROXY = "10.0.0.5"  # nginx, as the app sees it


def _failed_sign_in(client, email: str, forwarded_for: str | None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/auth/login",
        data={"email": email, "password": "wrong password x"},
        headers=headers,
        environ_base={"REMOTE_ADDR": PROXY},
    )


def _failure_ips(email: str) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent.ip)
            .where(AuditEvent.action == "auth.login_failed", AuditEvent.actor_email == email)
            .order_by(AuditEvent.id)
        )
    )


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "expected"),
    [
        (0, CLIENT_A, PROXY),  # no proxy configured: the header is the client's word only
        (1, CLIENT_A, CLIENT_A),
        # One trusted hop: nginx appends the address it saw; what the client sent before
        # it (a forged entry) is not believed.
        (1, f"6.6.6.6, {CLIENT_A}", CLIENT_A),
        (2, f"{CLIENT_A}, 10.0.0.9", CLIENT_A),  # a load balancer, then nginx
    ],
)
def test_audit_ip_follows_x_forwarded_for_only_with_trusted_hops(
    second_app, make_user, hops, forwarded_for, expected
):
    user = make_user()
    client = second_app(TRUSTED_PROXY_HOPS=hops).test_client()
    assert _failed_sign_in(client, user.email, forwarded_for).status_code == 401
    assert _failure_ips(user.email) == [expected]


def test_without_a_header_the_socket_address_is_kept_even_with_hops(second_app, make_user):
    user = make_user()
    client = second_app(TRUSTED_PROXY_HOPS=1).test_client()
    assert _failed_sign_in(client, user.email, None).status_code == 401
    assert _failure_ips(user.email) == [PROXY]


def _limited(second_app, hops: int):
    return second_app(
        TRUSTED_PROXY_HOPS=hops,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        LOGIN_RATE_LIMIT="3 per minute",
    ).test_client()


def test_with_hops_each_client_behind_the_proxy_has_its_own_sign_in_bucket(second_app):
    client = _limited(second_app, hops=1)
    codes_a = [_failed_sign_in(client, "a@b.gov", CLIENT_A).status_code for _ in range(4)]
    assert codes_a == [401, 401, 401, 429]
    # Another user behind the same nginx is not throttled by A.
    assert _failed_sign_in(client, "a@b.gov", CLIENT_B).status_code == 401
    # A cannot escape its bucket by forging an entry in front of nginx's.
    assert _failed_sign_in(client, "a@b.gov", f"{CLIENT_B}, {CLIENT_A}").status_code == 429


def test_without_hops_everyone_behind_the_proxy_shares_one_bucket(second_app):
    client = _limited(second_app, hops=0)
    codes = [_failed_sign_in(client, "a@b.gov", CLIENT_A).status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    # The header is ignored: B arrives from the proxy's address, like A, and is throttled.
    assert _failed_sign_in(client, "a@b.gov", CLIENT_B).status_code == 429


def test_the_api_rate_limit_key_follows_the_forwarded_address(second_app):
    from flo_portal.api.blueprint import rate_limit_key

    app_ = second_app(TRUSTED_PROXY_HOPS=1)
    seen = {}

    @app_.route("/_probe")  # anonymous: the API's bucket is the client's address
    def probe():
        seen["key"] = rate_limit_key()
        return ""

    probe._flo_access = "public"
    app_.test_client().get(
        "/_probe", headers={"X-Forwarded-For": CLIENT_A}, environ_base={"REMOTE_ADDR": PROXY}
    )
    assert seen["key"] == f"api-ip:{CLIENT_A}"


def test_the_scheme_follows_x_forwarded_proto_with_hops(second_app):
    from flask import request

    app_ = second_app(TRUSTED_PROXY_HOPS=1)
    seen = {}

    @app_.route("/_scheme")
    def scheme():
        seen["scheme"] = request.scheme
        return ""

    scheme._flo_access = "public"
    app_.test_client().get("/_scheme", headers={"X-Forwarded-Proto": "https"})
    assert seen["scheme"] == "https"


def test_negative_hops_are_refused(second_app):
    with pytest.raises(RuntimeError, match="TRUSTED_PROXY_HOPS"):
        second_app(TRUSTED_PROXY_HOPS=-1)
