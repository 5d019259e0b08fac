"""Talking to an OpenID Provider with Authlib: discovery, the authorization URL (code
flow with PKCE S256, state and nonce), the code exchange, and the ID token checked
against the provider's published keys (joserfc)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from flo_portal.federation.models import IdentityProvider

TIMEOUT = 5  # seconds for each call to a provider
SCOPE = "openid email profile"
ALGORITHMS = ["RS256", "PS256", "ES256"]
LEEWAY = 60
# `amr` values (RFC 8176) that mean more than one factor was used.
MFA_AMR = frozenset({"mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "pin"})


class ProviderProblem(Exception):
    """The provider could not be used or answered something the portal refuses.

    ``reason`` goes to the audit trail; ``message`` is what the user reads."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


UNAVAILABLE = (
    "Your agency's sign-in service did not answer. Try again later, or sign in with your password."
)
INVALID = "Your agency's sign-in service answered something the portal cannot trust, so you are not signed in."


@dataclass
class Redirect:
    url: str
    state: str
    nonce: str
    code_verifier: str


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderProblem(f"provider unreachable: {type(exc).__name__}", UNAVAILABLE) from exc
    if not isinstance(data, dict):
        raise ProviderProblem("provider answered no JSON object", UNAVAILABLE)
    return data


def discover(provider: IdentityProvider) -> dict:
    meta = _get_json(provider.metadata_url)
    for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(meta.get(key), str):
            raise ProviderProblem(f"discovery document lacks {key}", UNAVAILABLE)
    return meta


def client_secret(provider: IdentityProvider) -> str:
    secret = os.environ.get(provider.client_secret_env, "")
    if not secret:
        raise ProviderProblem(
            f"environment variable {provider.client_secret_env} is not set", UNAVAILABLE
        )
    return secret


def _client(provider: IdentityProvider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        provider.client_id,
        client_secret(provider),
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def authorization_redirect(
    provider: IdentityProvider, redirect_uri: str, *, login_hint: str = ""
) -> Redirect:
    meta = discover(provider)
    state, nonce, verifier = generate_token(40), generate_token(32), generate_token(64)
    extra = {"login_hint": login_hint} if login_hint else {}
    with _client(provider, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"],
            state=state,
            nonce=nonce,
            code_verifier=verifier,
            **extra,
        )
    return Redirect(url, state, nonce, verifier)


def exchange_code(
    provider: IdentityProvider, redirect_uri: str, code: str, code_verifier: str, nonce: str
) -> dict:
    """The ID token's claims, once the token and every claim the portal relies on check out."""
    meta = discover(provider)
    try:
        with _client(provider, redirect_uri) as client:
            token = client.fetch_token(
                meta["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                timeout=TIMEOUT,
            )
    except OAuthError as exc:
        raise ProviderProblem(f"token request refused: {exc.error}", INVALID) from exc
    except (requests.RequestException, ValueError) as exc:
        raise ProviderProblem(f"token endpoint failed: {type(exc).__name__}", UNAVAILABLE) from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise ProviderProblem("token response has no ID token", INVALID)
    return validate_id_token(id_token, meta, provider.client_id, nonce)


def validate_id_token(id_token: str, meta: dict, client_id: str, nonce: str) -> dict:
    keys = KeySet.import_key_set(_get_json(meta["jwks_uri"]))
    try:
        decoded = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except (JoseError, ValueError) as exc:
        raise ProviderProblem(f"ID token signature invalid: {type(exc).__name__}", INVALID) from exc
    registry = jwt.JWTClaimsRegistry(
        now=int(time.time()),
        leeway=LEEWAY,
        iss={"essential": True, "value": meta["issuer"]},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(decoded.claims)
    except JoseError as exc:
        raise ProviderProblem(
            f"ID token refused: {exc.error} {exc.description or ''}".strip(), INVALID
        ) from exc
    claims = dict(decoded.claims)
    claims["iss"] = meta["issuer"]
    return claims


def claims_show_mfa(claims: dict) -> bool:
    amr = claims.get("amr")
    return isinstance(amr, list) and any(str(v) in MFA_AMR for v in amr)
