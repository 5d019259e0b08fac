"""Small helpers shared by the feature forms, and the portal's one rule for input text.

Every form derives from :class:`PortalForm`, the API's request models use the same rule
(``flo_portal/api/schemas.py``) and so does the CSV import: control characters are
refused where text enters the portal. NUL cannot be stored by PostgreSQL, and a CR or
LF in a single-line value (a name, a title) would end up in e-mail headers and files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import abort, request
from flask_wtf import FlaskForm
from wtforms import SelectChoice, TextAreaField

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


class PortalForm(FlaskForm):
    """The base of every portal form: refuses control characters before any validator.

    The check runs first, so no field validator (nor a database lookup inside one) ever
    sees a NUL; a refused field shows the message next to it and the form re-renders."""

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
