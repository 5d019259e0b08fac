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
from flo_portal.core.formtools import PortalForm, VersionMixin, enum_choices
from flo_portal.training.cve_points import CVE_POINTS
from flo_portal.training.models import CveAnswer


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
    is_cve = BooleanField(
        "CVE-related course",
        description=(
            "Reviewed point by point against the DHS CVE Training Guidance by a privacy "
            "officer; it can be required, or credited by a briefing, only while approved."
        ),
    )
    is_sar_awareness = BooleanField(
        "Suspicious activity reporting (SAR) awareness course",
        description="FLOs see on their dashboard when they last completed such a course.",
    )
    active = BooleanField("Offered (in the catalogue)", default=True)
    submit = SubmitField("Save")


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


ANSWER_CHOICES = enum_choices(CveAnswer, blank="Choose an answer")


class _CveReviewBase(PortalForm):
    overall_note = TextAreaField(
        "Overall note (optional)", validators=[Optional(), Length(max=5000)]
    )
    submit = SubmitField("Record this review")


def _cve_review_form_class():
    """A form with four fields per guidance point (``answer_<key>``, ``note_<key>``,
    ``evidence_<key>``, ``file_<key>``), built from ``training.cve_points``."""
    fields = {}
    for p in CVE_POINTS:
        fields[f"answer_{p.key}"] = SelectField("Answer", choices=ANSWER_CHOICES, default="")
        fields[f"note_{p.key}"] = TextAreaField(
            "Note (why it does not meet or does not apply)",
            validators=[Optional(), Length(max=5000)],
        )
        fields[f"evidence_{p.key}"] = TextAreaField(
            "Evidence (what shows it meets the point)",
            description=p.look_for,
            validators=[Optional(), Length(max=5000)],
        )
        fields[f"file_{p.key}"] = FileField("Evidence file (optional: PDF, PNG or JPEG)")
    return type("CveReviewForm", (_CveReviewBase,), fields)


CveReviewForm = _cve_review_form_class()
