"""Identity providers (OpenID Connect or SAML 2.0), the identities linked to accounts,
link requests, and the one-time sign-in attempts (the state, nonce and PKCE verifier of
an OIDC redirect; the RelayState and AuthnRequest id of a SAML one)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from flo_portal.agencies.models import Agency
from flo_portal.core.extensions import db
from flo_portal.core.orm import TimestampMixin, str_enum, utcnow
from flo_portal.users.models import User

provider_agency = sa.Table(
    "identity_provider_agency",
    db.metadata,
    sa.Column(
        "provider_id",
        sa.ForeignKey("identity_provider.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("agency_id", sa.ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True),
)


class Protocol(StrEnum):
    OIDC = "oidc"
    SAML = "saml"

    @property
    def label(self) -> str:
        return "SAML 2.0" if self is Protocol.SAML else "OpenID Connect"


class IdentityProvider(TimestampMixin, db.Model):
    """An OpenID Provider or a SAML 2.0 identity provider. For OIDC the client secret is
    never stored: only the name of the environment variable that holds it. For SAML the
    IdP's metadata is pasted (``saml_metadata_xml``) or fetched from ``metadata_url``."""

    __tablename__ = "identity_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    protocol: Mapped[Protocol] = mapped_column(str_enum(Protocol, 10), default=Protocol.OIDC)
    metadata_url: Mapped[str] = mapped_column(sa.String(500), default="")
    client_id: Mapped[str] = mapped_column(sa.String(255), default="")
    client_secret_env: Mapped[str] = mapped_column(sa.String(120), default="")
    saml_metadata_xml: Mapped[str] = mapped_column(sa.Text, default="")
    # AuthnContextClassRef values that count as the portal's MFA (with mfa_claim_counts).
    saml_mfa_contexts: Mapped[str] = mapped_column(sa.String(1000), default="")
    email_domains: Mapped[str] = mapped_column(sa.String(1000), default="")
    mfa_claim_counts: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True, index=True)
    agencies: Mapped[list[Agency]] = relationship(secondary=provider_agency, order_by=Agency.name)

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower() for d in self.email_domains.split(",") if d.strip()]

    @property
    def is_saml(self) -> bool:
        return self.protocol == Protocol.SAML

    @property
    def mfa_contexts(self) -> list[str]:
        return [c.strip() for c in self.saml_mfa_contexts.replace(",", " ").split() if c]


class ProviderIdentity:
    """An identity as a provider names it: who vouched (provider, issuer), for whom
    (subject), with which e-mail. Linked identities and link requests both carry it."""

    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("identity_provider.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(sa.String(500))
    subject: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str] = mapped_column(sa.String(254), default="")

    @declared_attr
    def provider(cls) -> Mapped[IdentityProvider]:
        return relationship(IdentityProvider, lazy="joined")


class FederatedIdentity(ProviderIdentity, db.Model):
    """An (issuer, subject) pair linked to one account."""

    __tablename__ = "federated_identity"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject", name="uq_federated_identity_sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    user: Mapped[User] = relationship()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]


class LinkRequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class LinkRequest(ProviderIdentity, db.Model):
    """An identity no account matched, waiting for a coordinator."""

    __tablename__ = "federation_link_request"
    __table_args__ = (sa.Index("ix_federation_link_request_queue", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email_verified: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[LinkRequestStatus] = mapped_column(
        str_enum(LinkRequestStatus, 20), default=LinkRequestStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class SignInAttempt(db.Model):
    """One redirect to a provider: kept server-side and keyed by the digest of its
    ``state``, so the callback needs no session cookie (a SameSite=Strict cookie is not
    sent on the provider's cross-site redirect back) and each state is used once. It is
    bound to the starting browser by a short-lived SameSite=Lax cookie, which is sent.

    SAML: ``state`` is the RelayState and ``nonce`` the AuthnRequest id (InResponseTo).
    The IdP's cross-site POST to the ACS carries no cookie at all, not even a Lax one, so
    the ACS checks the response, keeps the identity in ``verified`` and the assertion id
    (a replayed assertion is refused while the attempt is kept) and moves the browser on
    to a same-site hand-off (``handoff_hash``), where the binding cookie is sent."""

    __tablename__ = "federation_sign_in_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(sa.String(64))  # the browser that started it
    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("identity_provider.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[IdentityProvider] = relationship(lazy="joined")
    nonce: Mapped[str] = mapped_column(sa.String(100))
    code_verifier: Mapped[str] = mapped_column(sa.String(128))
    next_path: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    used_at: Mapped[datetime | None]
    assertion_id: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    verified: Mapped[dict | None] = mapped_column(sa.JSON)
    handoff_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
