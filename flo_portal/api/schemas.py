"""Shared request and response models of the API (feature models live with their views)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from flo_portal.api.openapi import QueryInt
from flo_portal.security.permissions import Role

T = TypeVar("T")

# Text in query strings: no control characters (NUL would also break PostgreSQL).
QueryText = Annotated[str, Field(max_length=200, pattern=r"^[^\x00-\x1f]*$")]
# Text in JSON bodies: newlines are fine, NUL is not.
BodyText = Annotated[str, Field(pattern=r"^[^\x00]*$")]


class Out(BaseModel):
    """Base for response models: read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class In(BaseModel):
    """Base for request bodies: unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")


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
