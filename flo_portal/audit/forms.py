"""The audit trail's filter form (its own: the audit pages use no other feature's forms)."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import Length

from flo_portal.core.formtools import PortalForm


class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False

    action = StringField("Action", validators=[Length(max=60)])
    actor = StringField("Actor e-mail", validators=[Length(max=254)])
    object_type = StringField("Object type", validators=[Length(max=60)])
    object_id = StringField("Object id", validators=[Length(max=60)])
    since = StringField("From (YYYY-MM-DD)", validators=[Length(max=10)])
    until = StringField("To (YYYY-MM-DD)", validators=[Length(max=10)])
