"""Forms: a provider (admins; OpenID Connect or SAML 2.0), a coordinator's decision on a
link request."""

from __future__ import annotations

import re

from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Email, Length, Optional, Regexp, ValidationError

from flo_portal.core.formtools import PortalForm, enum_choices
from flo_portal.federation import saml
from flo_portal.federation.models import Protocol
from flo_portal.federation.providers import ProviderProblem

DOMAIN = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}$")


class ProviderForm(PortalForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    protocol = SelectField(
        "Protocol",
        choices=enum_choices(Protocol),
        default=Protocol.OIDC.value,
    )
    metadata_url = StringField(
        "Discovery or metadata URL",
        validators=[Optional(), URL(require_tld=False), Length(max=500)],
        description="OpenID Connect: the provider's server_metadata_url, ending in "
        "/.well-known/openid-configuration. SAML: the IdP's metadata URL, unless its "
        "metadata is pasted below.",
    )
    client_id = StringField(
        "Client ID", validators=[Optional(), Length(max=255)], description="OpenID Connect only."
    )
    client_secret_env = StringField(
        "Environment variable holding the client secret",
        validators=[
            Optional(),
            Length(max=120),
            Regexp(r"^[A-Z_][A-Z0-9_]*$", message="Capital letters, digits and _ only."),
        ],
        description="OpenID Connect only. The secret itself is never stored in the portal.",
    )
    saml_metadata_xml = TextAreaField(
        "SAML IdP metadata (XML)",
        validators=[Optional(), Length(max=200_000)],
        description="SAML only: the IdP's EntityDescriptor, pasted. Leave empty to fetch "
        "it from the metadata URL at each sign-in.",
    )
    saml_mfa_contexts = StringField(
        "SAML AuthnContextClassRef values that are MFA",
        validators=[Optional(), Length(max=1000)],
        description="SAML only, space- or comma-separated; they count as the portal's MFA "
        "when the box below is ticked.",
    )
    email_domains = StringField(
        "E-mail domains it may vouch for",
        validators=[DataRequired(), Length(max=1000)],
        description="Comma-separated, for example police.example.gov, sheriff.example.gov.",
    )
    agency_ids = SelectMultipleField("Agencies it may vouch for", coerce=int, choices=[])
    mfa_claim_counts = BooleanField(
        "Its MFA claim (OIDC amr, SAML AuthnContextClassRef above) counts as the portal's MFA"
    )
    enabled = BooleanField("Enabled", default=True)
    submit = SubmitField("Save")

    def validate_email_domains(self, field) -> None:
        domains = [d.strip().lower() for d in (field.data or "").split(",") if d.strip()]
        bad = [d for d in domains if not DOMAIN.match(d)]
        if bad or not domains:
            raise ValidationError(f"Not a domain: {', '.join(bad) or '(none)'}")
        field.data = ", ".join(domains)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.protocol.data == Protocol.SAML.value:
            return self._validate_saml()
        ok = True
        for field in (self.metadata_url, self.client_id, self.client_secret_env):
            if not (field.data or "").strip():
                field.errors = [*field.errors, "Required for OpenID Connect."]
                ok = False
        return ok

    def _validate_saml(self) -> bool:
        """The IdP metadata is checked now (pasted, or fetched from the URL), so a bad
        paste is a form error rather than a failed sign-in."""
        xml = (self.saml_metadata_xml.data or "").strip()
        url = (self.metadata_url.data or "").strip()
        target = self.saml_metadata_xml if xml else self.metadata_url
        if not xml and not url:
            target.errors = [*target.errors, "Paste the IdP's metadata or give its URL."]
            return False
        try:
            saml.check_metadata(xml or saml.fetch_metadata(url))
        except saml.MetadataError as exc:
            target.errors = [*target.errors, str(exc)]
            return False
        except ProviderProblem as problem:
            target.errors = [*target.errors, f"The metadata URL did not answer ({problem.reason})."]
            return False
        self.saml_metadata_xml.data = xml
        return True


class AcceptLinkForm(PortalForm):
    account_email = StringField(
        "Link to the account with e-mail",
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    submit = SubmitField("Link")
