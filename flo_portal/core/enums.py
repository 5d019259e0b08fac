"""Enums whose members carry the words a reader sees (``label``)."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A ``StrEnum`` whose members each have a ``label``.

    A member may give its label after its value (``VETTED = "vetted", "Vetted (shared as
    ISE-SAR)"``); one that gives none is labelled by its value in words (``in_review`` →
    "In review"). The value alone is what is stored and compared.
    """

    _label: str

    def __new__(cls, value: str, label: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label or value.replace("_", " ").capitalize()
        return member

    @property
    def label(self) -> str:
        return self._label
