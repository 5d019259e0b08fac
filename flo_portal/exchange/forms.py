"""The coordinator's form to register a partner's TAXII collection."""

from __future__ import annotations

import re

from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from flo_portal.core.formtools import PortalForm, choices
from flo_portal.core.tlp import Tlp

ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")


class PartnerCollectionForm(PortalForm):
    partner_name = StringField("Partner", validators=[DataRequired(), Length(max=200)])
    url = StringField(
        "Collection URL",
        validators=[DataRequired(), Length(max=500)],
        description="The TAXII 2.1 collection, e.g. https://taxii.example.org/api1/collections/<id>/",
    )
    credentials_env = StringField(
        "Credentials environment variable",
        validators=[Optional(), Length(max=100)],
        description="The NAME of the server's environment variable holding user:password "
        "or 'Bearer <token>'; the secret itself is never stored here.",
    )
    accept_tlps = SelectMultipleField(
        "Accept these TLP labels",
        choices=choices((t.value, t.value) for t in Tlp),
        default=[Tlp.CLEAR.value, Tlp.GREEN.value],
    )
    reviewer_id = SelectField("Reviewer of the drafts", coerce=int, choices=[])
    active = BooleanField("Poll this collection", default=True)
    submit = SubmitField("Register")

    def validate_url(self, field):
        if not re.match(r"^https?://[^\s/]+/\S*$", field.data.strip()):
            raise ValidationError("Give the collection's http(s) URL.")

    def validate_credentials_env(self, field):
        if field.data and not ENV_NAME.match(field.data.strip()):
            raise ValidationError("Upper-case letters, digits and _ only (a variable name).")

    def validate_accept_tlps(self, field):
        if not field.data:
            raise ValidationError("Accept at least one label.")

    def values(self) -> dict:
        url = self.url.data.strip()
        return {
            "partner_name": self.partner_name.data.strip(),
            "url": url if url.endswith("/") else url + "/",
            "credentials_env": (self.credentials_env.data or "").strip(),
            "accept_tlps": ",".join(
                t for t in (v.value for v in Tlp) if t in self.accept_tlps.data
            ),
            "reviewer_id": self.reviewer_id.data,
            "active": bool(self.active.data),
        }
