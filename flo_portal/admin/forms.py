from __future__ import annotations

import sqlalchemy as sa
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from flo_portal.agencies.queries import active_agencies
from flo_portal.core.extensions import db
from flo_portal.core.formtools import PortalForm, choices, enum_choices
from flo_portal.security.permissions import CENTER_STAFF, Role


class UserForm(PortalForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=enum_choices(Role))
    agency_id = SelectField("Agency", coerce=int, choices=[])
    submit = SubmitField("Save")

    def __init__(self, *args, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._editing = editing
        agencies = active_agencies()
        self.agency_id.choices = choices(
            [(0, "— none (center staff) —")] + [(a.id, a.name) for a in agencies]
        )

    def validate_email(self, field):
        from flo_portal.users.models import User

        email = field.data.strip().lower()
        existing = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
        if existing is not None and existing is not self._editing:
            raise ValidationError("A user with this e-mail already exists.")

    def validate_agency_id(self, field):
        role = Role(self.role.data) if self.role.data in Role._value2member_map_ else None
        if role is None:
            return
        if role in CENTER_STAFF and field.data:
            raise ValidationError("Center staff belong to no partner agency.")
        if role not in CENTER_STAFF and not field.data:
            raise ValidationError("Choose the user's agency.")
