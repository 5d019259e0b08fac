"""The one JSON error shape of the API: ``{"error": {"code", "message", "fields"}}``.

The app factory renders every HTTP error under /api/ with ``error_body``; views raise
``ApiError`` when they need a specific code, message or per-field messages.
"""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import HTTPException

# The body itself is the portal's one error shape (flo_portal.core.errors): the app
# factory and the access guard answer with it too.
from flo_portal.core.errors import STATUS_CODES, error_response


class ApiError(HTTPException):
    """An API error with its own code, message and per-field messages."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code or STATUS_CODES.get(status, "error")
        self.fields = fields or {}

    def get_response(self, environ=None, scope=None):
        return error_response(self.code, self.description, self.error_code, self.fields)


def validation_error(
    fields: dict[str, list[str]], message: str = "Some fields are not valid."
) -> ApiError:
    return ApiError(422, message, fields=fields)


def conflict(message: str, fields: dict[str, list[str]] | None = None) -> ApiError:
    return ApiError(409, message, fields=fields)


def check_version(current: int, body_version: int | None) -> None:
    """Refuse a write made from a stale read: ``If-Match`` (the ETag of a GET, weak or
    strong) or else ``version`` in the body must name the ``current`` version."""
    if request.if_match:
        if request.if_match.star_tag or str(current) in request.if_match.as_set(True):
            return
        raise ApiError(
            409,
            "It changed since you read it; read it again and re-apply your change.",
            code="conflict",
            fields={"If-Match": [f'Stale; the current ETag is W/"{current}".']},
        )
    if body_version is None:
        raise ApiError(428, "Send If-Match with the ETag you read, or version in the body.")
    if body_version != current:
        raise ApiError(
            409,
            "It changed since you read it; read it again and re-apply your change.",
            code="conflict",
            fields={"version": [f"Stale; the current version is {current}."]},
        )
