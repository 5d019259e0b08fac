from __future__ import annotations

import sqlalchemy as sa
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.core.extensions import db
from flo_portal.core.formtools import PortalForm, VersionMixin, enum_choices


class AgencyForm(VersionMixin, PortalForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    discipline = SelectField("Discipline", choices=enum_choices(Discipline))
    region = StringField("Region", validators=[DataRequired(), Length(max=120)])
    jurisdiction = StringField("Jurisdiction", validators=[Optional(), Length(max=200)])
    contact_name = StringField("Contact name", validators=[Optional(), Length(max=200)])
    contact_email = EmailField("Contact e-mail", validators=[Optional(), Email(), Length(max=254)])
    contact_phone = StringField("Contact phone", validators=[Optional(), Length(max=40)])
    active = BooleanField("Active partner agency", default=True)
    submit = SubmitField("Save")

    def __init__(self, *args, editing: Agency | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._editing = editing

    def validate_name(self, field):
        existing = db.session.scalar(
            sa.select(Agency).where(sa.func.lower(Agency.name) == field.data.strip().lower())
        )
        if existing is not None and existing is not self._editing:
            raise ValidationError("An agency with this name already exists.")

    def values(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "discipline": Discipline(self.discipline.data),
            "region": self.region.data.strip(),
            "jurisdiction": (self.jurisdiction.data or "").strip(),
            "contact_name": (self.contact_name.data or "").strip(),
            "contact_email": (self.contact_email.data or "").strip().lower(),
            "contact_phone": (self.contact_phone.data or "").strip(),
            "active": bool(self.active.data),
        }
