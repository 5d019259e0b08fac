from __future__ import annotations

from zoneinfo import available_timezones

from wtforms import PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, Length

from flo_portal.core.clock import US_ZONES
from flo_portal.core.formtools import PortalForm, choices

COMMON_ZONES = list(US_ZONES)


def timezone_choices() -> list[tuple[str, str]]:
    rest = sorted(z for z in available_timezones() if z not in COMMON_ZONES and "/" in z)
    return [(z, z) for z in COMMON_ZONES + rest]


class PreferencesForm(PortalForm):
    timezone = SelectField("Time zone", choices=[])
    submit = SubmitField("Save preferences")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices(timezone_choices())


class ConfirmPasswordForm(PortalForm):
    """Re-authentication before a change to the account's own security."""

    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
