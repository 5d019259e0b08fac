from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from flo_portal.auth.passwords import password_problems
from flo_portal.core.formtools import PortalForm


class LoginForm(PortalForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Sign in")


class TotpForm(PortalForm):
    code = StringField(
        "Authentication code",
        validators=[DataRequired(), Length(max=20)],
        description="The 6-digit code from your authenticator app, or a recovery code.",
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField("Verify")


class NewPasswordMixin:
    """Checks the new password against the policy; needs ``self._policy_user``."""

    def validate_password(self, field):
        user = getattr(self, "_policy_user", None)
        problems = password_problems(
            field.data or "",
            email=getattr(user, "email", ""),
            name=getattr(user, "name", ""),
        )
        if problems:
            raise ValidationError(" ".join(problems))


class SetPasswordForm(NewPasswordMixin, PortalForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=256)],
        description="At least 12 characters. A passphrase of several words works well.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Save password")

    def __init__(self, *args, policy_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._policy_user = policy_user


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(PortalForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField("Send reset link")


class PasskeyNameForm(PortalForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=80)],
        description="So you can tell your passkeys apart, e.g. “work laptop”.",
    )
    submit = SubmitField("Rename")


class PasskeyRemoveForm(PortalForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Remove")
