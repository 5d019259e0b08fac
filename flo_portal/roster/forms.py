from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from flo_portal.agencies.models import Discipline
from flo_portal.core.formtools import PortalForm, VersionMixin, choices, enum_choices
from flo_portal.roster.models import FloLevel


class ContactForm(VersionMixin, PortalForm):
    email = EmailField("E-mail", validators=[Optional(), Email(), Length(max=254)])
    phone = StringField("Office phone", validators=[Optional(), Length(max=40)])
    mobile = StringField("Mobile phone", validators=[Optional(), Length(max=40)])
    submit = SubmitField("Save contact details")


class OfficerForm(VersionMixin, PortalForm):
    agency_id = SelectField("Agency", coerce=int, choices=[])
    first_name = StringField("First name", validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    rank_title = StringField("Rank or title", validators=[Optional(), Length(max=120)])
    discipline = SelectField(
        "Discipline", choices=enum_choices(Discipline, blank="Same as the agency")
    )
    flo_level = SelectField("FLO level", choices=enum_choices(FloLevel))
    external_id = StringField(
        "Agency's ID (badge / HR number)",
        validators=[Optional(), Length(max=60)],
        description="Stable key used to match CSV imports.",
    )
    email = EmailField("E-mail", validators=[Optional(), Email(), Length(max=254)])
    phone = StringField("Office phone", validators=[Optional(), Length(max=40)])
    mobile = StringField("Mobile phone", validators=[Optional(), Length(max=40)])
    supervisor_approved_on = DateField("Supervisor approval on", validators=[Optional()])
    nda_signed_on = DateField("Non-disclosure agreement signed on", validators=[Optional()])
    privacy_ack_on = DateField("Privacy policy acknowledged on", validators=[Optional()])
    privacy_policy_version = StringField(
        "Privacy policy version", validators=[Optional(), Length(max=20)]
    )
    notes = TextAreaField(
        "Notes (vetting: who checked what)", validators=[Optional(), Length(max=5000)]
    )
    reason = StringField("Why is this officer nominated?", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Save")

    def set_agencies(self, pairs):
        self.agency_id.choices = choices(pairs)


class TransitionForm(PortalForm):
    target = SelectField("New status", choices=[])
    reason = StringField(
        "Reason (kept in the history)", validators=[DataRequired(), Length(max=500)]
    )
    submit = SubmitField("Change status")


class InviteForm(PortalForm):
    email = EmailField(
        "E-mail for the account", validators=[DataRequired(), Email(), Length(max=254)]
    )
    submit = SubmitField("Invite to FLO Portal")


class ImportForm(PortalForm):
    file = FileField("CSV file")
    kind = SelectField(
        "What the file holds",
        choices=choices(
            [
                ("", "Detect from the columns"),
                ("agencies", "Agencies"),
                ("officers", "Officers"),
                ("training", "Training records"),
            ]
        ),
    )
    mode = RadioField(
        "If some rows are bad",
        default="all",
        choices=choices(
            [
                ("all", "Import nothing (fix the file and upload it again)"),
                ("good", "Import the good rows and list the bad ones"),
            ]
        ),
    )
    dry_run = BooleanField("Only check the file, import nothing")
    submit = SubmitField("Upload")

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Choose a CSV file.")
