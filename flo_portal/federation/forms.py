"""Forms: a provider (admins), a coordinator's decision on a link request."""

from __future__ import annotations

import re

from wtforms import BooleanField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import URL, DataRequired, Email, Length, Regexp, ValidationError

from flo_portal.core.formtools import PortalForm

DOMAIN = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}$")


class ProviderForm(PortalForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    metadata_url = StringField(
        "Discovery URL",
        validators=[DataRequired(), URL(require_tld=False), Length(max=500)],
        description="The provider's server_metadata_url, ending in "
        "/.well-known/openid-configuration.",
    )
    client_id = StringField("Client ID", validators=[DataRequired(), Length(max=255)])
    client_secret_env = StringField(
        "Environment variable holding the client secret",
        validators=[
            DataRequired(),
            Length(max=120),
            Regexp(r"^[A-Z_][A-Z0-9_]*$", message="Capital letters, digits and _ only."),
        ],
        description="The secret itself is never stored in the portal.",
    )
    email_domains = StringField(
        "E-mail domains it may vouch for",
        validators=[DataRequired(), Length(max=1000)],
        description="Comma-separated, for example police.example.gov, sheriff.example.gov.",
    )
    agency_ids = SelectMultipleField("Agencies it may vouch for", coerce=int, choices=[])
    mfa_claim_counts = BooleanField("Its MFA claim (amr) counts as the portal's MFA")
    enabled = BooleanField("Enabled", default=True)
    submit = SubmitField("Save")

    def validate_email_domains(self, field) -> None:
        domains = [d.strip().lower() for d in (field.data or "").split(",") if d.strip()]
        bad = [d for d in domains if not DOMAIN.match(d)]
        if bad or not domains:
            raise ValidationError(f"Not a domain: {', '.join(bad) or '(none)'}")
        field.data = ", ".join(domains)


class AcceptLinkForm(PortalForm):
    account_email = StringField(
        "Link to the account with e-mail",
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    submit = SubmitField("Link")
