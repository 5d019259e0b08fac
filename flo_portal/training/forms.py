from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from flo_portal.core import clock
from flo_portal.core.formtools import PortalForm, VersionMixin


class CourseForm(VersionMixin, PortalForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=40)])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    hours = DecimalField(
        "Hours", places=1, validators=[DataRequired(), NumberRange(min=0, max=9999)]
    )
    provider = StringField("Provider", validators=[Optional(), Length(max=200)])
    validity_months = IntegerField(
        "Valid for (months, 0 = never expires)",
        default=0,
        validators=[NumberRange(min=0, max=240)],
    )
    required = BooleanField("Required for FLO status")
    is_cve = BooleanField("CVE-related course")
    cve_reviewed_by = StringField(
        "Reviewed against the DHS CVE Training Guidance by",
        validators=[Optional(), Length(max=200)],
    )
    cve_reviewed_on = DateField("CVE guidance review date", validators=[Optional()])
    active = BooleanField("Offered (in the catalogue)", default=True)
    submit = SubmitField("Save")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Optional() stops the field's own chain on empty input, so this lives here.
        if (
            self.is_cve.data
            and self.active.data
            and not (self.cve_reviewed_by.data and self.cve_reviewed_on.data)
        ):
            self.cve_reviewed_by.errors = [
                *self.cve_reviewed_by.errors,
                (
                    "A CVE course must be reviewed against the DHS CVE Training Guidance before it is "
                    "offered: give the reviewer and the date."
                ),
            ]
            return False
        return ok


class RecordForm(PortalForm):
    course_id = SelectField("Course", coerce=int, choices=[])
    completed_on = DateField("Completed on", validators=[DataRequired()])
    evidence = FileField("Evidence (PDF, PNG or JPEG)")
    verified = BooleanField("I verified the certificate")
    submit = SubmitField("Add training record")

    def validate_completed_on(self, field):
        if field.data and field.data > clock.today():
            raise ValidationError("The completion date cannot be in the future.")


class EvidenceForm(PortalForm):
    evidence = FileField("Evidence (PDF, PNG or JPEG)")
    submit = SubmitField("Upload evidence")


class BulkForm(PortalForm):
    course_id = SelectField("Course", coerce=int, choices=[])
    completed_on = DateField("Completed on", validators=[DataRequired()])
    officer_ids = SelectMultipleField(
        "Officers who attended", coerce=int, choices=[], validators=[Optional()]
    )
    keys = TextAreaField(
        "Or paste officer IDs (external IDs or e-mails), one per line",
        validators=[Optional(), Length(max=100_000)],
    )
    verified = BooleanField("I verified the attendance sheet")
    submit = SubmitField("Record training")

    def validate_completed_on(self, field):
        if field.data and field.data > clock.today():
            raise ValidationError("The completion date cannot be in the future.")
