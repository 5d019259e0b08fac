"""Shared request and response models of the API (feature models live with their views)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from flo_portal.api.openapi import QueryInt
from flo_portal.core.formtools import control_character_problem
from flo_portal.security.permissions import Role

T = TypeVar("T")


def _single_line(value: str) -> str:
    if problem := control_character_problem(value):
        raise ValueError(problem)
    return value


def _multi_line(value: str) -> str:
    if problem := control_character_problem(value, multiline=True):
        raise ValueError(problem)
    return value


# The portal's input rule (flo_portal/core/formtools.py), as pydantic types.
# Text in query strings and one-line body fields (names, titles): no control characters.
QueryText = Annotated[str, Field(max_length=200), AfterValidator(_single_line)]
LineText = Annotated[str, AfterValidator(_single_line)]
# Multi-line text in JSON bodies: tab and line breaks are fine, other controls are not.
BodyText = Annotated[str, AfterValidator(_multi_line)]


class Out(BaseModel):
    """Base for response models: read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class In(BaseModel):
    """Base for request bodies: unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value):
        # Every string of every body, whatever its declared type: at least the multi-line
        # rule (LineText fields add the single-line one).
        if isinstance(value, str):
            _multi_line(value)
        return value


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable, e.g. `validation_failed`, `not_found`.")
    message: str
    fields: dict[str, list[str]] = Field(description="Messages per field (422), else empty.")


class ErrorBody(BaseModel):
    error: ErrorDetail


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class ListQuery(BaseModel):
    limit: QueryInt = Field(25, ge=1, le=100, description="Items per page (1-100).")
    cursor: str | None = Field(
        None,
        max_length=500,
        pattern=r"^[A-Za-z0-9_.\-]*$",
        description="`next_cursor` of the previous page.",
    )


class AgencyRef(Out):
    id: int
    name: str


class TokenInfo(BaseModel):
    id: int
    name: str
    scope: str
    expires_at: datetime


class MeOut(Out):
    id: int
    name: str
    email: str
    role: Role
    agency: AgencyRef | None
    timezone: str
    permissions: list[str]
    token: TokenInfo | None = Field(
        description="The token of this request; null for a browser session."
    )
