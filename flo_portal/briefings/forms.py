from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectField,
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

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.agencies.queries import active_agencies
from flo_portal.briefings.models import BriefingMode, Recurrence
from flo_portal.briefings.services import MAX_OCCURRENCES, BriefingData
from flo_portal.core.clock import US_ZONES
from flo_portal.core.extensions import db
from flo_portal.core.formtools import (
    AudienceFieldsMixin,
    PortalForm,
    VersionMixin,
    choices,
    enum_choices,
)
from flo_portal.training.models import TrainingCourse
from flo_portal.users.audience import PARTNER_ROLES, Audience
from flo_portal.users.models import User

TIMEZONES = list(US_ZONES)


def _int_or_zero(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class BriefingForm(VersionMixin, AudienceFieldsMixin, PortalForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    topic = StringField("Topic", validators=[Optional(), Length(max=200)])
    presenter = StringField("Presenter", validators=[Optional(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    starts = DateTimeLocalField("Starts", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends = DateTimeLocalField("Ends", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    timezone = SelectField("Time zone of these times", validators=[DataRequired()])
    mode = SelectField(
        "Format",
        choices=enum_choices(BriefingMode),
        default=BriefingMode.IN_PERSON.value,
    )
    location = StringField("Place (in person)", validators=[Optional(), Length(max=300)])
    join_url = StringField("Link (virtual)", validators=[Optional(), Length(max=500)])
    capacity = IntegerField(
        "Capacity",
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description="Leave empty for no limit. When full, further yes answers join a waitlist.",
    )
    recurrence = SelectField(
        "Repeats", choices=enum_choices(Recurrence), default=Recurrence.NONE.value
    )
    occurrences = IntegerField(
        "Number of occurrences",
        default=1,
        validators=[Optional(), NumberRange(min=1, max=MAX_OCCURRENCES)],
    )
    credit_course_id = SelectField("Attendance credits the course", coerce=_int_or_zero, default=0)
    submit = SubmitField("Save briefing")

    def __init__(self, *args, editing: bool = False, user_timezone: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        zones = list(TIMEZONES)
        if user_timezone and user_timezone not in zones:
            zones.insert(0, user_timezone)
        self.timezone.choices = choices((z, z.replace("_", " ")) for z in zones)
        if not self.timezone.data and user_timezone:
            self.timezone.data = user_timezone
        self.agency_ids.choices = choices(active_agencies())
        self.disciplines.choices = enum_choices(Discipline)
        regions = db.session.scalars(
            sa.select(Agency.region).where(Agency.region != "").distinct().order_by(Agency.region)
        ).all()
        self.regions.choices = choices((r, r) for r in regions)
        self.user_ids.choices = choices(
            (u.id, f"{u.name} ({u.agency.name if u.agency else 'center'})")
            for u in db.session.scalars(
                sa.select(User)
                .where(User.is_active_account.is_(True), User.role.in_(PARTNER_ROLES))
                .order_by(User.name)
            )
        )
        courses = db.session.execute(
            sa.select(TrainingCourse.id, TrainingCourse.code, TrainingCourse.title)
            .where(TrainingCourse.active.is_(True))
            .order_by(TrainingCourse.code)
        ).all()
        self.credit_course_id.choices = choices(
            [(0, "No training credit")] + [(c.id, f"{c.code} — {c.title}") for c in courses]
        )
        if editing:
            del self.recurrence
            del self.occurrences

    def validate_ends(self, field):
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError("The end must be after the start.")

    def validate_location(self, field):
        if self.mode.data == BriefingMode.IN_PERSON and not (field.data or "").strip():
            raise ValidationError("An in-person briefing needs a place.")

    def validate_join_url(self, field):
        if self.mode.data != BriefingMode.VIRTUAL:
            return
        value = (field.data or "").strip()
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValidationError("A virtual briefing needs an http(s) link.")

    def validate_all_flos(self, field):
        if not (
            field.data
            or self.agency_ids.data
            or self.disciplines.data
            or self.regions.data
            or self.user_ids.data
        ):
            raise ValidationError(
                "Choose who is invited: all FLOs, or agencies, disciplines, regions or people."
            )

    def to_data(self) -> BriefingData:
        recurrence = (
            Recurrence(self.recurrence.data)
            if getattr(self, "recurrence", None) is not None
            else Recurrence.NONE
        )
        occurrences = (
            (self.occurrences.data or 1) if getattr(self, "occurrences", None) is not None else 1
        )
        return BriefingData(
            title=self.title.data,
            topic=self.topic.data or "",
            presenter=self.presenter.data or "",
            description=self.description.data or "",
            local_start=self.starts.data,
            local_end=self.ends.data,
            timezone=self.timezone.data,
            mode=BriefingMode(self.mode.data),
            location=self.location.data or "",
            join_url=self.join_url.data or "",
            capacity=self.capacity.data,
            audience=Audience.from_json(self.audience_json()),
            recurrence=recurrence,
            occurrences=occurrences if recurrence != Recurrence.NONE else 1,
            credit_course_id=self.credit_course_id.data or None,
        )

    def fill_from(self, b) -> None:
        for name, value in briefing_values(b).items():
            self[name].data = value

    def values(self) -> dict:
        """What the user typed, in the shape of :func:`briefing_values` (the edit check)."""
        typed = {name: self[name].data for name in EDITED_FIELDS}
        for name in ("agency_ids", "disciplines", "regions", "user_ids"):
            typed[name] = sorted(typed[name] or [])
        typed["credit_course_id"] = typed["credit_course_id"] or 0
        for name in ("topic", "presenter", "description", "location", "join_url"):
            typed[name] = typed[name] or ""
        typed["all_flos"] = bool(typed["all_flos"])
        return typed


# The fields of the edit form, each filled from the briefing by briefing_values().
EDITED_FIELDS = (
    "title",
    "topic",
    "presenter",
    "description",
    "starts",
    "ends",
    "timezone",
    "mode",
    "location",
    "join_url",
    "capacity",
    "all_flos",
    "agency_ids",
    "disciplines",
    "regions",
    "user_ids",
    "credit_course_id",
)


def briefing_values(b) -> dict:
    """A briefing as the edit form shows it: fills the form and is what a stale save is
    compared against (formtools.stale_edit)."""
    aud = Audience.from_json(b.audience)
    return {
        "title": b.title,
        "topic": b.topic,
        "presenter": b.presenter,
        "description": b.description,
        "starts": b.local_start.replace(tzinfo=None),
        "ends": b.local_end.replace(tzinfo=None),
        "timezone": b.timezone,
        "mode": b.mode.value if hasattr(b.mode, "value") else b.mode,
        "location": b.location,
        "join_url": b.join_url,
        "capacity": b.capacity,
        "all_flos": aud.all_flos,
        "agency_ids": sorted(aud.agency_ids),
        "disciplines": sorted(aud.disciplines),
        "regions": sorted(aud.regions),
        "user_ids": sorted(aud.user_ids),
        "credit_course_id": b.credit_course_id or 0,
    }


class CancelForm(PortalForm):
    reason = StringField("Reason (sent to invitees)", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Cancel briefing")
