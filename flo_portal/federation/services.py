"""Federated sign-in (OpenID Connect or SAML 2.0): start a redirect, finish the callback,
link identities to existing accounts only, and the coordinator's decisions. Services
flush; the request commits (a refused callback commits too: the spent state and the
audit event stay).

A SAML sign-in ends in two requests: the IdP's cross-site POST to the ACS, which carries
no cookie (``receive_saml_response`` checks the Response and keeps the identity), then
a same-site hand-off that does (``finish_saml_sign_in`` checks the browser binding and
finds the account as the OIDC callback does)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from authlib.common.security import generate_token

from flo_portal.audit.services import record
from flo_portal.auth.services import find_user_by_email
from flo_portal.core.errors import Conflict, InputError, NotFound
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.federation import providers, saml
from flo_portal.federation.models import (
    FederatedIdentity,
    IdentityProvider,
    LinkRequest,
    LinkRequestStatus,
    SignInAttempt,
)
from flo_portal.federation.providers import ProviderProblem, Redirect
from flo_portal.users.models import User

ATTEMPT_MINUTES = 10
STATE_MISMATCH = (
    "This sign-in link is not one the portal started, or it was already used. Start again."
)
EXPIRED = "This sign-in took too long and has expired. Start again."
NO_ACCOUNT = "Your agency account is not linked to a portal account."


@dataclass
class Outcome:
    """A callback's result: a user to sign in, or a link request to wait on."""

    user: User | None = None
    link_request: LinkRequest | None = None
    mfa_by_provider: bool = False
    next_path: str = ""
    provider: IdentityProvider | None = None
    subject: str = ""


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def forget_old_attempts(now: datetime) -> dict:
    """Job: sign-in attempts older than a day are gone (used or not, they are spent)."""
    cutoff = now - timedelta(days=1)
    result = db.session.execute(
        sa.delete(SignInAttempt)
        .where(SignInAttempt.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return {"deleted": result.rowcount}


def enabled_providers() -> list[IdentityProvider]:
    return list(
        db.session.scalars(
            sa.select(IdentityProvider)
            .where(IdentityProvider.enabled.is_(True))
            .order_by(IdentityProvider.name)
        )
    )


def get_enabled_provider_or_404(provider_id: int) -> IdentityProvider:
    provider = db.session.get(IdentityProvider, provider_id)
    if provider is None or not provider.enabled:
        raise NotFound("No such sign-in provider.")
    return provider


def begin_sign_in(
    provider: IdentityProvider,
    redirect_uri: str,
    *,
    browser_key: str,
    next_path: str = "",
    login_hint: str = "",
) -> str:
    """The provider's authorization URL; the state, nonce and verifier wait server-side,
    bound to ``browser_key`` (a random value the starting browser holds in a Lax cookie),
    so a callback URL sent to someone else's browser signs nobody in (login CSRF)."""
    try:
        if provider.is_saml:
            relay_state = generate_token(40)
            url, request_id = saml.authn_redirect(provider, relay_state)
            redirect = Redirect(url, relay_state, nonce=request_id, code_verifier="")
        else:
            redirect = providers.authorization_redirect(
                provider, redirect_uri, login_hint=login_hint
            )
    except ProviderProblem as problem:
        refused(problem.reason, provider=provider)
        raise
    db.session.add(
        SignInAttempt(
            state_hash=_digest(redirect.state),
            browser_hash=_digest(browser_key),
            provider=provider,
            nonce=redirect.nonce,
            code_verifier=redirect.code_verifier,
            next_path=next_path[:500],
        )
    )
    db.session.flush()
    return redirect.url


def refused(reason: str, *, provider: IdentityProvider | None = None, user: User | None = None):
    record(
        "federation.sign_in_refused",
        provider,
        actor=user,
        summary=reason[:200],
        details={"provider": provider.name if provider else None},
    )


def finish_sign_in(
    state: str, code: str, error: str, redirect_uri: str, *, browser_key: str
) -> Outcome:
    """Check the callback and find the account. Raises ProviderProblem (already audited)."""
    attempt = db.session.scalar(
        sa.select(SignInAttempt).where(SignInAttempt.state_hash == _digest(state or "-"))
    )
    if attempt is None:
        refused("unknown state (mismatch or forged)")
        raise ProviderProblem("unknown state", STATE_MISMATCH)
    provider = attempt.provider
    if attempt.used_at is not None:
        refused("state replayed", provider=provider)
        raise ProviderProblem("state replayed", STATE_MISMATCH)
    attempt.used_at = utcnow()
    if provider.is_saml:
        raise _spent("OIDC callback for a SAML sign-in", STATE_MISMATCH, provider)
    if not browser_key or not hmac.compare_digest(attempt.browser_hash, _digest(browser_key)):
        refused("state from another browser (login CSRF)", provider=provider)
        raise ProviderProblem("state from another browser", STATE_MISMATCH)
    if utcnow() - attempt.created_at > timedelta(minutes=ATTEMPT_MINUTES):
        refused("response expired", provider=provider)
        raise ProviderProblem("response expired", EXPIRED)
    if not provider.enabled:
        refused("provider disabled", provider=provider)
        raise ProviderProblem("provider disabled", providers.INVALID)
    if error or not code:
        reason = f"provider returned error: {error or 'no code'}"[:200]
        refused(reason, provider=provider)
        raise ProviderProblem(reason, "Your agency's sign-in service did not sign you in.")
    try:
        claims = providers.exchange_code(
            provider, redirect_uri, code, attempt.code_verifier, attempt.nonce
        )
    except ProviderProblem as problem:
        refused(problem.reason, provider=provider)
        raise
    return _outcome(attempt, claims, providers.claims_show_mfa(claims))


def _outcome(attempt: SignInAttempt, claims: dict, shows_mfa: bool) -> Outcome:
    """The account the checked identity belongs to (linked now if it may be), or a link
    request; the provider's MFA counts only where its admin said so."""
    provider = attempt.provider
    outcome = _account_for(provider, claims)
    outcome.next_path = attempt.next_path
    outcome.provider, outcome.subject = provider, str(claims["sub"])
    if outcome.user is not None:
        outcome.mfa_by_provider = provider.mfa_claim_counts and shows_mfa
    return outcome


def _spent(reason: str, message: str, provider: IdentityProvider | None = None):
    refused(reason, provider=provider)
    return ProviderProblem(reason, message)


def receive_saml_response(provider_id: int, relay_state: str, saml_response: str) -> str:
    """The IdP's POST to the ACS: find the attempt by its RelayState (spent now), check the
    Response answers its AuthnRequest, refuse an assertion seen before, and keep the
    identity for the hand-off. Returns the one-time hand-off key. Raises ProviderProblem
    (already audited)."""
    attempt = db.session.scalar(
        sa.select(SignInAttempt).where(SignInAttempt.state_hash == _digest(relay_state or "-"))
    )
    if attempt is None or attempt.provider_id != provider_id or not attempt.provider.is_saml:
        raise _spent("unknown RelayState (unsolicited or forged)", STATE_MISMATCH)
    provider = attempt.provider
    if attempt.used_at is not None:
        raise _spent("SAML response replayed", STATE_MISMATCH, provider)
    attempt.used_at = utcnow()
    if utcnow() - attempt.created_at > timedelta(minutes=ATTEMPT_MINUTES):
        raise _spent("response expired", EXPIRED, provider)
    if not provider.enabled:
        raise _spent("provider disabled", providers.INVALID, provider)
    if not saml_response:
        raise _spent("no SAMLResponse posted", STATE_MISMATCH, provider)
    try:
        verified = saml.check_response(provider, saml_response, attempt.nonce)
    except ProviderProblem as problem:
        refused(problem.reason, provider=provider)
        raise
    seen = db.session.scalar(
        sa.select(SignInAttempt.id).where(SignInAttempt.assertion_id == verified.assertion_id)
    )
    if seen is not None:
        raise _spent("SAML assertion replayed", STATE_MISMATCH, provider)
    if not verified.subject:
        raise _spent("SAML assertion names no subject", providers.INVALID, provider)
    handoff = secrets.token_urlsafe(32)
    attempt.assertion_id = verified.assertion_id[:100]
    attempt.verified = verified.claims()
    attempt.handoff_hash = _digest(handoff)
    db.session.flush()
    return handoff


def finish_saml_sign_in(handoff: str, *, browser_key: str) -> Outcome:
    """The same-site hand-off after the ACS: the browser that started the sign-in (its
    binding cookie is sent now) gets the account, as after an OIDC callback."""
    attempt = db.session.scalar(
        sa.select(SignInAttempt).where(SignInAttempt.handoff_hash == _digest(handoff or "-"))
    )
    if attempt is None:
        raise _spent("unknown SAML hand-off", STATE_MISMATCH)
    provider = attempt.provider
    claims, attempt.verified = attempt.verified, None  # used once
    if claims is None:
        raise _spent("SAML hand-off replayed", STATE_MISMATCH, provider)
    if not browser_key or not hmac.compare_digest(attempt.browser_hash, _digest(browser_key)):
        raise _spent("RelayState from another browser (login CSRF)", STATE_MISMATCH, provider)
    if utcnow() - attempt.created_at > timedelta(minutes=ATTEMPT_MINUTES):
        raise _spent("response expired", EXPIRED, provider)
    shows_mfa = bool(claims.get("acr")) and claims["acr"] in provider.mfa_contexts
    return _outcome(attempt, claims, shows_mfa)


def _account_for(provider: IdentityProvider, claims: dict) -> Outcome:
    issuer, subject = claims["iss"], str(claims["sub"])
    identity = db.session.scalar(
        sa.select(FederatedIdentity).where(
            FederatedIdentity.issuer == issuer, FederatedIdentity.subject == subject
        )
    )
    if identity is not None:
        identity.last_used_at = utcnow()
        return Outcome(user=identity.user)
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified") is True
    user = find_user_by_email(email) if verified and email else None
    if user is not None and user.is_active_account and may_vouch_for(provider, user):
        identity = link(provider, issuer, subject, user, actor=user, how="matched verified e-mail")
        identity.last_used_at = utcnow()
        return Outcome(user=user)
    return Outcome(link_request=_request_link(provider, issuer, subject, email, verified, claims))


def record_federated_sign_in(outcome: Outcome, next_step: str) -> None:
    """The provider vouched for the account; ``next_step`` is what the portal asks next
    (nothing, or its own second factor). ``auth.login`` follows when sign-in completes."""
    provider = outcome.provider
    record(
        "federation.signed_in",
        outcome.user,
        actor=outcome.user,
        summary=f"signed in by {provider.name if provider else '?'}; next: {next_step}",
        details={
            "provider": provider.name if provider else None,
            "protocol": provider.protocol.value if provider else None,
            "subject": outcome.subject,
            "provider_mfa": outcome.mfa_by_provider,
            "next": next_step,
        },
    )


def may_vouch_for(provider: IdentityProvider, user: User) -> bool:
    """The provider is allowed for the account's e-mail domain and, for an agency's
    member, for that agency. Role and agency stay the portal's."""
    domain = user.email.rsplit("@", 1)[-1].lower()
    if domain not in provider.domains:
        return False
    return user.agency_id is None or user.agency_id in {a.id for a in provider.agencies}


def link(
    provider: IdentityProvider, issuer: str, subject: str, user: User, *, actor: User, how: str
) -> FederatedIdentity:
    identity = FederatedIdentity(
        user=user, provider=provider, issuer=issuer, subject=subject, email=user.email
    )
    db.session.add(identity)
    db.session.flush()
    record(
        "federation.linked",
        user,
        actor=actor,
        summary=f"{provider.name} identity linked ({how})",
        details={"provider": provider.name, "issuer": issuer, "subject": subject},
    )
    return identity


def _request_link(
    provider: IdentityProvider, issuer: str, subject: str, email: str, verified: bool, claims: dict
) -> LinkRequest:
    pending = db.session.scalar(
        sa.select(LinkRequest).where(
            LinkRequest.issuer == issuer,
            LinkRequest.subject == subject,
            LinkRequest.status == LinkRequestStatus.PENDING,
        )
    )
    if pending is not None:
        return pending
    request = LinkRequest(
        provider=provider,
        issuer=issuer,
        subject=subject,
        email=email[:254],
        email_verified=verified,
        name=str(claims.get("name") or "")[:200],
    )
    db.session.add(request)
    db.session.flush()
    record(
        "federation.link_requested",
        request,
        actor=None,
        summary=f"unknown {provider.name} identity {email or subject} asks to be linked",
        details={"provider": provider.name, "email": email, "email_verified": verified},
    )
    return request


def accept_request(request: LinkRequest, account_email: str, *, actor: User) -> FederatedIdentity:
    """Link the identity to an existing account the coordinator names."""
    if request.status != LinkRequestStatus.PENDING:
        raise Conflict("This request was already decided.")
    user = find_user_by_email(account_email)
    if user is None or not user.is_active_account:
        raise InputError("No active account has that e-mail address.")
    taken = db.session.scalar(
        sa.select(FederatedIdentity.id).where(
            FederatedIdentity.issuer == request.issuer,
            FederatedIdentity.subject == request.subject,
        )
    )
    if taken is not None:
        raise Conflict("This identity is already linked to an account.")
    identity = link(
        request.provider, request.issuer, request.subject, user, actor=actor, how="coordinator"
    )
    _decide(request, LinkRequestStatus.ACCEPTED, actor, user)
    return identity


def refuse_request(request: LinkRequest, *, actor: User) -> None:
    if request.status != LinkRequestStatus.PENDING:
        raise Conflict("This request was already decided.")
    _decide(request, LinkRequestStatus.REFUSED, actor, None)
    record(
        "federation.link_refused",
        request,
        actor=actor,
        summary=f"link of {request.email or request.subject} ({request.provider.name}) refused",
    )


def _decide(request: LinkRequest, status: LinkRequestStatus, actor: User, user: User | None):
    request.status = status
    request.decided_at = utcnow()
    request.decided_by_id = actor.id
    request.user = user
    db.session.flush()


def identities_of(user: User) -> list[FederatedIdentity]:
    return list(
        db.session.scalars(
            sa.select(FederatedIdentity)
            .where(FederatedIdentity.user_id == user.id)
            .order_by(FederatedIdentity.created_at)
        )
    )


def unlink(user: User, identity_id: int) -> None:
    identity = db.session.get(FederatedIdentity, identity_id)
    if identity is None or identity.user_id != user.id:
        raise NotFound("No such linked identity.")
    record(
        "federation.unlinked",
        user,
        actor=user,
        summary=f"{identity.provider.name} identity unlinked",
        details={"issuer": identity.issuer, "subject": identity.subject},
    )
    db.session.delete(identity)
    db.session.flush()


def save_provider(provider: IdentityProvider | None, *, actor: User, **fields) -> IdentityProvider:
    created = provider is None
    clash = db.session.scalar(
        sa.select(IdentityProvider.id).where(
            IdentityProvider.name == fields["name"],
            IdentityProvider.id != (provider.id if provider is not None else 0),
        )
    )
    if clash is not None:
        raise InputError("Another provider has that name.")
    if provider is None:
        provider = IdentityProvider()
        db.session.add(provider)
    for key, value in fields.items():
        setattr(provider, key, value)
    db.session.flush()
    record(
        "federation.provider_created" if created else "federation.provider_updated",
        provider,
        actor=actor,
        summary=f"{provider.name} ({'enabled' if provider.enabled else 'disabled'})",
    )
    return provider
