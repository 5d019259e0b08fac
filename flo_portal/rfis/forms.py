from __future__ import annotations

import sqlalchemy as sa
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.agencies.queries import active_agencies
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.formtools import PortalForm, VersionMixin, choices, enum_choices
from flo_portal.core.uploads import UploadRefused, check_upload
from flo_portal.rfis.attachments import ALLOWED_LABEL, RFI_EXTENSIONS
from flo_portal.rfis.models import RfiPriority, Tlp
from flo_portal.security.permissions import Role
from flo_portal.users.models import User

ATTESTATION = (
    "I attest that this request is not based solely on activity protected by the First "
    "Amendment, or on race, ethnicity, religion, national origin, gender or sexual orientation."
)
MAX_FILES = 5


def read_uploads(field) -> list[tuple[str, bytes]]:
    """(name, bytes) of the files chosen in a MultipleFileField (empty parts skipped)."""
    files = []
    for storage in field.data or []:
        if storage is None or not getattr(storage, "filename", ""):
            continue
        files.append((storage.filename, storage.read()))
        storage.stream.seek(0)
    return files


class AttachmentsMixin:
    def validate_attachments(self, field):
        files = read_uploads(field)
        if len(files) > MAX_FILES:
            raise ValidationError(f"Attach at most {MAX_FILES} files.")
        problems = []
        for name, data in files:
            try:
                check_upload(name, data, allowed=RFI_EXTENSIONS)
            except UploadRefused as exc:
                problems.append(str(exc))
        if problems:
            raise ValidationError(" ".join(problems))


# The fields every RFI has, request or tasking, written on submission and on revision.
RFI_FIELDS = ("title", "question", "justification", "priority", "tlp", "due_on")


class RfiFieldsMixin:
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    question = TextAreaField(
        "Question",
        validators=[DataRequired(), Length(max=20000)],
        render_kw={"rows": 6},
        description="What do you need to know? Be specific.",
    )
    justification = TextAreaField(
        "Justification",
        validators=[DataRequired(), Length(max=10000)],
        render_kw={"rows": 4},
        description="The criminal or threat nexus behind the request.",
    )
    priority = SelectField(
        "Priority", choices=enum_choices(RfiPriority), default=RfiPriority.ROUTINE.value
    )
    due_on = DateField(
        "Requested due date",
        validators=[InputRequired(message="Give a due date (YYYY-MM-DD).")],
    )
    tlp = SelectField(
        "TLP marking",
        choices=enum_choices(Tlp),
        default=Tlp.AMBER.value,
        description="RED: named participants only. AMBER+STRICT: your organisation only. "
        "AMBER: organisation and clients on need to know. GREEN: community. CLEAR: no limit.",
    )

    def validate_due_on(self, field):
        if field.data and field.data < clock.today():
            raise ValidationError("The due date cannot be in the past.")

    def rfi_fields(self) -> dict:
        """What the user wrote in the fields every RFI has, as the services take it."""
        return {name: self[name].data for name in RFI_FIELDS}


class RfiForm(AttachmentsMixin, RfiFieldsMixin, PortalForm):
    attachments = MultipleFileField(
        "Attachments",
        description=f"Optional: {ALLOWED_LABEL}, up to {MAX_FILES} files.",
    )
    attestation = BooleanField(
        ATTESTATION, validators=[DataRequired(message="You must make the attestation.")]
    )
    submit = SubmitField("Submit RFI")


class ResubmitForm(VersionMixin, RfiFieldsMixin, PortalForm):
    attestation = BooleanField(
        ATTESTATION, validators=[DataRequired(message="You must make the attestation.")]
    )
    submit = SubmitField("Resubmit")


class TaskingForm(RfiFieldsMixin, PortalForm):
    all_flos = BooleanField("Every FLO and agency head")
    agency_ids = SelectMultipleField("Agencies", coerce=int, choices=[], validate_choice=True)
    disciplines = SelectMultipleField("Disciplines", choices=enum_choices(Discipline))
    user_ids = SelectMultipleField("Named officers", coerce=int, choices=[])
    submit = SubmitField("Send tasking")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = active_agencies()
        self.agency_ids.choices = choices((a.id, a.name) for a in agencies)
        people = db.session.execute(
            sa.select(User.id, User.name, Agency.name)
            .join(Agency, User.agency_id == Agency.id)
            .where(
                User.role.in_((Role.LIAISON_OFFICER, Role.AGENCY_HEAD)),
                User.is_active_account.is_(True),
            )
            .order_by(User.name)
        ).all()
        self.user_ids.choices = choices((uid, f"{name} — {agency}") for uid, name, agency in people)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not (
            self.all_flos.data
            or self.agency_ids.data
            or self.disciplines.data
            or self.user_ids.data
        ):
            self.user_ids.errors.append(
                "Choose at least one officer, agency or discipline (or every FLO)."
            )
            return False
        return ok


class NoteForm(VersionMixin, PortalForm):
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})


class AcceptForm(VersionMixin, PortalForm):
    criminal_intelligence = BooleanField("Criminal intelligence (28 CFR Part 23 review applies)")


class AssignForm(VersionMixin, PortalForm):
    assignee_id = SelectField("Assign to", coerce=int, choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = db.session.execute(
            sa.select(User.id, User.name, User.role)
            .where(
                User.role.in_((Role.ANALYST, Role.COORDINATOR)),
                User.is_active_account.is_(True),
            )
            .order_by(User.name)
        ).all()
        self.assignee_id.choices = choices(
            (uid, f"{name} ({Role(role).label})") for uid, name, role in staff
        )


class AnswerForm(VersionMixin, PortalForm):
    answer = TextAreaField(
        "Answer", validators=[DataRequired(), Length(max=50000)], render_kw={"rows": 8}
    )
    criminal_intelligence = BooleanField("Criminal intelligence (28 CFR Part 23 review applies)")


class CloseForm(VersionMixin, PortalForm):
    rating = SelectField(
        "How satisfied are you with the answer?",
        coerce=int,
        validators=[InputRequired()],
        choices=choices([(5, "5 — excellent"), (4, "4"), (3, "3"), (2, "2"), (1, "1 — poor")]),
    )
    note = TextAreaField(
        "Comment", validators=[Optional(), Length(max=5000)], render_kw={"rows": 2}
    )


class MessageForm(AttachmentsMixin, PortalForm):
    body = TextAreaField(
        "Message", validators=[DataRequired(), Length(max=20000)], render_kw={"rows": 3}
    )
    attachments = MultipleFileField("Attach files", description=f"Optional: {ALLOWED_LABEL}.")
    submit = SubmitField("Post message")


class ResponseForm(PortalForm):
    response = TextAreaField(
        "Your response",
        validators=[DataRequired(), Length(max=50000)],
        render_kw={"rows": 6},
    )
    submit = SubmitField("Send response")


class CriminalIntelForm(VersionMixin, PortalForm):
    criminal_intelligence = BooleanField("Criminal intelligence (28 CFR Part 23 review applies)")
