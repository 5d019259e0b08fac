"""Small helpers shared by the feature forms: the portal's one rule for input text and
the one lost-update check of edit forms.

Every form derives from :class:`PortalForm`, the API's request models use the same rule
(``flo_portal/api/schemas.py``) and so does the CSV import: control characters are
refused where text enters the portal. NUL cannot be stored by PostgreSQL, and a CR or
LF in a single-line value (a name, a title) would end up in e-mail headers and files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import DataRequired, Optional, ValidationError

from flo_portal.core import request_cache
from flo_portal.core.unit_of_work import discard

# C0 controls, DEL and C1 controls. Multi-line text keeps tab, LF and CR.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MULTILINE_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SINGLE_LINE_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")

CONTROL_CHARACTER_MESSAGE = "control character not allowed"


def control_character_problem(value: str, *, multiline: bool = False) -> str | None:
    """A message when ``value`` holds a character no input may carry, else None.

    Single-line values refuse every control character except tab (so line breaks too);
    multi-line values also keep line feed and carriage return."""
    pattern = _MULTILINE_CONTROL_CHARACTERS if multiline else _SINGLE_LINE_CONTROL_CHARACTERS
    found = pattern.search(value)
    if found is None:
        return None
    return (
        f"{CONTROL_CHARACTER_MESSAGE} (U+{ord(found.group()):04X} at position {found.start() + 1})"
    )


class _PortalMeta(FlaskForm.Meta):
    def render_field(self, field, render_kw):
        """The CSRF input is rendered once a request: every form of a page carries the
        same token, and a page of row buttons (notifications, the navigation's sign-out)
        rendered the same hidden input through the widget up to 35 times."""
        if not isinstance(field, CSRFTokenField) or render_kw:
            return super().render_field(field, render_kw)
        name = f"csrf_input:{field.name}:{field.id}"
        html = request_cache.noted(name, field.current_token)
        if html is None:
            html = super().render_field(field, render_kw)
            request_cache.note(name, field.current_token, html)
        return html


class PortalForm(FlaskForm):
    """The base of every portal form: refuses control characters before any validator.

    The check runs first, so no field validator (nor a database lookup inside one) ever
    sees a NUL; a refused field shows the message next to it and the form re-renders."""

    Meta = _PortalMeta

    def validate(self, extra_validators=None) -> bool:
        refused = False
        for field in self:
            values = field.raw_data or []
            for value in values:
                if not isinstance(value, str):
                    continue  # uploaded files
                problem = control_character_problem(
                    value, multiline=isinstance(field, TextAreaField)
                )
                if problem:
                    field.errors = [problem[0].upper() + problem[1:] + "."]
                    refused = True
                    break
        if refused:
            return False
        return super().validate(extra_validators=extra_validators)


class EmptyForm(PortalForm):
    """For button-only POST actions: carries the CSRF token."""

    submit = SubmitField("Confirm")


def refuse_control_characters_in_query() -> None:
    """before_request: a query string (list filters, ``?next=``) with a control character
    is answered 400 with the reason, before any view puts it in a query. Forms check their
    own fields (:class:`PortalForm`) and the API its parameters (422 with fields)."""
    if request.path.startswith("/api/"):
        return
    for name, values in request.args.lists():
        for value in values:
            # Line breaks and tabs are left to the views (``?next=`` ignores them): they
            # cannot break a query; NUL and the other controls can, or have no use.
            if problem := control_character_problem(value, multiline=True):
                abort(400, description=f"Query parameter {name[:40]!r}: {problem}.")


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def enum_choices(enum_cls, *, blank: str | None = None) -> list[SelectChoice]:
    """Choices for a StrEnum whose members have a ``label``; optional blank first entry."""
    items = [(m.value, getattr(m, "label", m.value.replace("_", " "))) for m in enum_cls]
    if blank is not None:
        items.insert(0, ("", blank))
    return choices(items)


# --- optimistic concurrency -------------------------------------------------------------

# ASCII digits only, and few enough for a 32-bit column: "²".isdigit() is True but
# int("²") raises, and a 20-digit number overflows the database.
_VERSION = re.compile(r"[0-9]{1,9}")


class VersionMixin:
    """The version of the object the form was rendered from, sent back on save."""

    version = HiddenField(
        validators=[DataRequired(message="The form is incomplete; reload the page.")]
    )

    def validate_version(self, field):
        # raw_data, not data: a form built with obj= falls back to the stored version
        # when the submission leaves it out, which would defeat the check.
        if not field.raw_data or not _VERSION.fullmatch(str(field.raw_data[0] or "")):
            raise ValidationError("The form is incomplete; reload the page.")

    @property
    def version_number(self) -> int:
        """The validated version (call after validate_on_submit())."""
        return int(self.version.data)


class AudienceFieldsMixin:
    """Whom an object goes to (a product, a briefing): all FLOs, or agencies, disciplines,
    regions and named people, read and filled in the audience's JSON shape
    (``users/audience.py``). Each form fills the choices it offers."""

    all_flos = BooleanField("All FLOs and agency heads")
    agency_ids = SelectMultipleField("Agencies", coerce=int, validators=[Optional()])
    disciplines = SelectMultipleField("Disciplines", validators=[Optional()])
    regions = SelectMultipleField("Regions", validators=[Optional()])
    user_ids = SelectMultipleField("Named people", coerce=int, validators=[Optional()])

    def audience_json(self) -> dict:
        return {
            "all_flos": bool(self.all_flos.data),
            "agency_ids": list(self.agency_ids.data or []),
            "disciplines": list(self.disciplines.data or []),
            "regions": list(self.regions.data or []),
            "user_ids": list(self.user_ids.data or []),
        }

    def load_audience(self, aud: dict) -> None:
        self.all_flos.data = bool(aud.get("all_flos"))
        self.agency_ids.data = list(aud.get("agency_ids", []))
        self.disciplines.data = list(aud.get("disciplines", []))
        self.regions.data = list(aud.get("regions", []))
        self.user_ids.data = list(aud.get("user_ids", []))


def row_version(obj) -> int:
    """The stored version of a model with ``version_id_col`` (whatever the column's name)."""
    mapper = sa.inspect(obj).mapper
    return getattr(obj, mapper.get_property_by_column(mapper.version_id_col).key)


def show_version(form, obj) -> None:
    """Put ``obj``'s version in an edit form that is being shown, not submitted."""
    if request.method == "GET":
        form.version.data = str(row_version(obj))


@dataclass(frozen=True)
class FieldConflict:
    label: str
    theirs: str  # what is saved now
    yours: str  # what this user typed


def _shown(form, name: str, value) -> str:
    field = form._fields.get(name)
    by_value = {}
    if field is not None and getattr(field, "choices", None):
        by_value = {str(c[0]): str(c[1]) for c in field.choices}
    if isinstance(value, list | tuple | set):
        return ", ".join(_shown(form, name, v) for v in value) or "—"
    if isinstance(value, dict):
        parts = [f"{k.replace('_', ' ')}: {_shown(form, k, v)}" for k, v in value.items() if v]
        return "; ".join(parts) or "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, date):
        return value.isoformat()
    if value is None or value == "":
        return "—"
    return by_value.get(str(value), str(value))


def stale_edit(form, obj, yours: dict, current: dict | None = None) -> bool:
    """True when ``form`` was loaded at an older version of ``obj`` and saving ``yours``
    would overwrite someone else's change.

    Then ``form.edit_conflicts`` lists each field whose saved value differs from what this
    user typed (the page shows both), and ``form.version`` moves to the current version,
    so the re-rendered form keeps the user's input and re-saving it is a deliberate choice
    made on top of the current state. ``current`` defaults to ``obj``'s attributes; pass it
    when the form's values are not plain attributes. A stale form that would change
    nothing is not a conflict. The race between two saves at the same instant is caught
    by ``version_id_col`` at flush (StaleDataError, answered in the app factory).
    """
    stored = row_version(obj)
    if form.version_number == stored:
        return False
    if current is None:
        current = {name: getattr(obj, name) for name in yours}
    conflicts = [
        FieldConflict(
            label=form[name].label.text if name in form else name.replace("_", " "),
            theirs=_shown(form, name, current[name]),
            yours=_shown(form, name, value),
        )
        for name, value in yours.items()
        if current.get(name) != value
    ]
    form.version.data = str(stored)
    if not conflicts:
        return False
    form.edit_conflicts = conflicts
    return True


def show_error(form, err) -> None:
    """Put a domain error's message on the form: next to its field when it names one the
    form has, else among the form's own errors (``form.form_errors``, shown by the
    ``form_problems`` macro). The request keeps nothing it did (``unit_of_work.discard``).
    """
    discard()
    placed = False
    for name, messages in (getattr(err, "fields", None) or {}).items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or ()), *messages]
            placed = True
    if not placed:
        form.form_errors.append(str(err))


def form_page(template: str, form, **context):
    """A form's page: 200 when first shown, 422 when it comes back with its messages after
    a submission, 409 when the save was stale (:func:`stale_edit` found conflicts); the
    unit of work keeps nothing such a request changed."""
    if getattr(form, "edit_conflicts", None):
        status = 409
    else:
        status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status
