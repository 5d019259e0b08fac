"""The Following page's two forms: follow something, and how to be told."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from flo_portal.core.formtools import PortalForm, choices
from flo_portal.subscriptions.kinds import KINDS
from flo_portal.subscriptions.services import AT_ONCE, DIGEST


class FollowForm(PortalForm):
    kind = SelectField("Follow a", choices=choices((k.name, k.label) for k in KINDS.values()))
    value = StringField(
        "Name",
        validators=[DataRequired(message="Enter what to follow."), Length(max=120)],
        description="A topic (as products and briefings name it), a product type, a region, "
        "a discipline, an agency, or the words of a saved search. Suggestions appear as "
        "you type.",
        render_kw={"list": "follow-suggestions", "autocomplete": "off"},
    )
    next = HiddenField()
    submit = SubmitField("Follow")


class DeliveryForm(PortalForm):
    delivery = RadioField(
        "Tell me",
        choices=choices(
            (
                (AT_ONCE, "At once: in the portal and by e-mail"),
                (DIGEST, "In the daily digest: in the portal now, one e-mail the next morning"),
            )
        ),
        validators=[DataRequired(message="Choose at once or the daily digest.")],
    )
    submit = SubmitField("Save")
