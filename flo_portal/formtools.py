"""Small helpers shared by the feature forms."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def enum_choices(enum_cls, *, blank: str | None = None) -> list[SelectChoice]:
    """Choices for a StrEnum whose members have a ``label``; optional blank first entry."""
    items = [(m.value, getattr(m, "label", m.value.replace("_", " "))) for m in enum_cls]
    if blank is not None:
        items.insert(0, ("", blank))
    return choices(items)
