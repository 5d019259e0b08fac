from __future__ import annotations

from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from flo_portal.api.models import TokenScope
from flo_portal.api.tokens import EXPIRY_CHOICES_DAYS
from flo_portal.core.formtools import PortalForm, choices, enum_choices


class NewTokenForm(PortalForm):
    name = StringField(
        "Token name",
        validators=[DataRequired(), Length(max=100)],
        description="What the token is for, e.g. “roster sync script”.",
    )
    scope = SelectField("Access", choices=enum_choices(TokenScope), default=TokenScope.READ.value)
    expires_in_days = SelectField(
        "Expires after",
        choices=choices((str(d), f"{d} days") for d in EXPIRY_CHOICES_DAYS),
        default="30",
    )
    submit = SubmitField("Create token")
