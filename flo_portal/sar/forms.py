from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from flo_portal.core.clock import US_ZONES
from flo_portal.core.formtools import PortalForm, choices
from flo_portal.sar.models import DEFINED_CRIMINAL, NEEDS_MORE_FACTS

ATTESTATION = (
    "I attest that this report is not based solely on activity protected by the First "
    "Amendment, or on race, ethnicity, religion, national origin, gender or sexual orientation."
)
PROTECTED_WARNING = (
    "Behaviour that may be constitutionally protected (speech, assembly, religious practice, "
    "photography in public places) is not suspicious by itself: report it only with "
    "additional facts that suggest criminal or terrorist intent."
)

TIMEZONES = US_ZONES


CRIMINAL_GROUP = "Defined criminal activity"
MORE_FACTS_GROUP = "Needs additional facts (not criminal on its face)"


def category_choices() -> list[SelectChoice]:
    """Grouped choices: the 7 defined criminal activities, then the 9 needing more facts."""
    return (
        [SelectChoice("", "Choose a category…")]
        + [SelectChoice(c.value, c.label, optgroup=CRIMINAL_GROUP) for c in DEFINED_CRIMINAL]
        + [SelectChoice(c.value, c.label, optgroup=MORE_FACTS_GROUP) for c in NEEDS_MORE_FACTS]
    )


class SarForm(PortalForm):
    category = SelectField(
        "Behaviour category (ISE-SAR Functional Standard)",
        validate_choice=False,  # validate_category says what is wrong in words
        description="The first seven are defined criminal activity; the other nine need "
        "additional facts showing a potential terrorism nexus.",
    )
    observed = TextAreaField(
        "What was observed",
        validators=[DataRequired(message="Describe what was observed."), Length(max=20000)],
        render_kw={"rows": 6},
        description="The behaviour itself, in order, and why it is suspicious. "
        + PROTECTED_WARNING,
    )
    observed_on = DateField(
        "Date observed", validators=[InputRequired(message="Give the date (YYYY-MM-DD).")]
    )
    observed_time = TimeField(
        "Time observed", validators=[InputRequired(message="Give the time (HH:MM).")]
    )
    observed_tz = SelectField(
        "Time zone", choices=choices((z, z.replace("_", " ")) for z in TIMEZONES)
    )
    location = StringField(
        "Where",
        validators=[DataRequired(message="Say where it happened."), Length(max=300)],
        description="Address, facility or landmark.",
    )
    subjects = TextAreaField(
        "People and vehicles (optional)",
        validators=[Length(max=10000)],
        render_kw={"rows": 3},
        description="Descriptions of the people and vehicles involved, if any.",
    )
    local_report = TextAreaField(
        "How it was reported locally",
        validators=[DataRequired(message="Say how it was reported locally."), Length(max=5000)],
        render_kw={"rows": 2},
        description="For example the local case or incident number and the agency that took it.",
    )
    confirmed_facts = BooleanField(
        "This report describes facts beyond any constitutionally protected activity it mentions.",
        description="Needed only when the description names possibly protected activity.",
    )
    attestation = BooleanField(
        ATTESTATION, validators=[DataRequired(message="You must make the attestation.")]
    )
    submit = SubmitField("Submit report")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices()

    def validate_category(self, field):
        if field.data not in {c.value for c in DEFINED_CRIMINAL + NEEDS_MORE_FACTS}:
            raise ValidationError("Choose one of the ISE-SAR behaviour categories.")


class DecisionForm(PortalForm):
    note = TextAreaField("Note", validators=[Length(max=5000)], render_kw={"rows": 2})
