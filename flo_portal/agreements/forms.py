"""Forms: publish a version, sign one."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from flo_portal.agreements.models import AgreementKind
from flo_portal.core.formtools import PortalForm, enum_choices
from flo_portal.security.permissions import Role


class PublishForm(PortalForm):
    kind = SelectField(
        "Agreement", choices=enum_choices(AgreementKind), validators=[DataRequired()]
    )
    version = StringField(
        "Version number",
        validators=[DataRequired(message="Give a version number."), Length(max=20)],
        description="For example 2.2. A published version never changes: a change is a new version.",
    )
    title = StringField(
        "Title", validators=[DataRequired(message="Give a title."), Length(max=200)]
    )
    effective_on = DateField(
        "Takes effect on",
        validators=[InputRequired(message="Give the date it takes effect.")],
        description="From this date everyone who must sign it is asked to, at their next sign-in.",
    )
    roles = SelectMultipleField(
        "Roles that must sign",
        choices=enum_choices(Role),
        validators=[DataRequired(message="Choose at least one role that must sign.")],
    )
    body_md = TextAreaField(
        "Text (Markdown)",
        validators=[Length(max=100000)],
        render_kw={"rows": 12},
        description="The agreement's text; or upload it as a PDF below.",
    )
    pdf = FileField("Or the agreement as a PDF")
    submit = SubmitField("Publish")


class SignForm(PortalForm):
    full_name = StringField(
        "Your full name",
        validators=[DataRequired(message="Type your full name to sign."), Length(max=200)],
        description="As on your account.",
    )
    confirm = BooleanField(
        "I have read this version and agree to it.",
        validators=[DataRequired(message="Confirm that you have read it and agree.")],
    )
    submit = SubmitField("Sign")
