from __future__ import annotations

from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from flo_portal.core.formtools import PortalForm


class RedressForm(PortalForm):
    requester_name = StringField(
        "Your name", validators=[DataRequired(message="Give your name."), Length(max=200)]
    )
    requester_contact = StringField(
        "How to contact you",
        validators=[
            DataRequired(message="Say how the privacy officer can reach you."),
            Length(max=300),
        ],
        description="E-mail address, telephone or postal address.",
    )
    subject = StringField(
        "Subject", validators=[DataRequired(message="Give a subject."), Length(max=200)]
    )
    description = TextAreaField(
        "What should the privacy officer review?",
        validators=[DataRequired(message="Describe what you want reviewed."), Length(max=20000)],
        render_kw={"rows": 6},
        description="Which information about you, and what you believe the center did with it.",
    )
    submit = SubmitField("Send request")


class AnswerForm(PortalForm):
    answer = TextAreaField(
        "Answer to the requester", validators=[Length(max=20000)], render_kw={"rows": 5}
    )
