from __future__ import annotations

import sqlalchemy as sa
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.agencies.queries import active_agencies
from flo_portal.core.extensions import db
from flo_portal.core.formtools import (
    AudienceFieldsMixin,
    PortalForm,
    VersionMixin,
    choices,
    enum_choices,
)
from flo_portal.products.models import ProductType, Tlp
from flo_portal.products.queries import partner_user_choices


class ProductForm(VersionMixin, AudienceFieldsMixin, PortalForm):
    product_type = SelectField("Type", validators=[DataRequired()])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(
        "Summary", validators=[DataRequired(), Length(max=4000)], render_kw={"rows": 3}
    )
    body_md = TextAreaField(
        "Body (Markdown)",
        validators=[Optional(), Length(max=100_000)],
        render_kw={"rows": 12},
        description="Markdown: **bold**, *italic*, lists, links, tables. HTML is not allowed.",
    )
    tlp = SelectField(
        "TLP 2.0 label",
        validators=[DataRequired()],
        description="RED: named people only. AMBER+STRICT: listed agencies and named people only.",
    )
    caveats = StringField(
        "Handling caveats",
        validators=[Optional(), Length(max=500)],
        description="e.g. LAW ENFORCEMENT SENSITIVE; do not release to the media.",
    )
    topics = StringField(
        "Topics",
        validators=[Optional(), Length(max=500)],
        description="Separate topics with commas.",
    )
    privacy_review_requested = BooleanField("Ask a privacy officer to review it before publishing")
    criminal_intelligence = BooleanField(
        "Criminal intelligence (28 CFR Part 23: review due 5 years after publication)"
    )
    change_note = StringField(
        "What changed (for a new version)", validators=[Optional(), Length(max=500)]
    )
    submit = SubmitField("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.product_type.choices = enum_choices(ProductType)
        self.tlp.choices = choices((t.value, t.value) for t in Tlp)
        self.agency_ids.choices = choices(active_agencies())
        self.disciplines.choices = choices((d.value, d.label) for d in Discipline)
        regions = db.session.scalars(
            sa.select(Agency.region)
            .where(Agency.active.is_(True))
            .distinct()
            .order_by(Agency.region)
        ).all()
        self.regions.choices = choices((r, r) for r in regions)
        self.user_ids.choices = choices(partner_user_choices())

    def data_dict(self) -> dict:
        return {
            "product_type": self.product_type.data,
            "title": self.title.data.strip(),
            "summary": self.summary.data.strip(),
            "body_md": self.body_md.data or "",
            "tlp": self.tlp.data,
            "caveats": (self.caveats.data or "").strip(),
            "topics": self.topics.data or "",
            "audience": self.audience_json(),
            "privacy_review_requested": self.privacy_review_requested.data,
            "criminal_intelligence": self.criminal_intelligence.data,
        }

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        aud = self.audience_json()
        problem = None
        if not any(aud.values()):
            problem = "Choose an audience: all FLOs, agencies, disciplines, regions or people."
        elif self.tlp.data == Tlp.RED and not aud["user_ids"]:
            problem = "TLP:RED goes to named people only: name at least one."
        elif self.tlp.data == Tlp.AMBER_STRICT and not (aud["user_ids"] or aud["agency_ids"]):
            problem = "TLP:AMBER+STRICT goes to listed agencies or named people: choose some."
        if problem:
            self.user_ids.errors = [*self.user_ids.errors, problem]
            return False
        return ok


class ReasonForm(PortalForm):
    reason = TextAreaField(
        "Reason or note",
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 2},
    )


class AttachmentForm(PortalForm):
    file = FileField("Attachment", validators=[FileRequired("Choose a file.")])
    submit = SubmitField("Upload")


class FeedbackForm(PortalForm):
    useful = IntegerField("Useful (1–5)", validators=[DataRequired(), NumberRange(1, 5)])
    actionable = IntegerField("Actionable (1–5)", validators=[DataRequired(), NumberRange(1, 5)])
    comment = TextAreaField(
        "Comment", validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )
    submit = SubmitField("Send feedback")


class ShareForm(PortalForm):
    email = StringField("Colleague's e-mail", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Share")


class RetentionForm(PortalForm):
    note = StringField("Note", validators=[Optional(), Length(max=500)])


class SearchForm(PortalForm):
    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    product_type = SelectField("Type", validators=[Optional()])
    tlp = SelectField("TLP", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.product_type.choices = enum_choices(ProductType, blank="Any type")
        self.tlp.choices = choices([("", "Any label")] + [(t.value, t.value) for t in Tlp])
