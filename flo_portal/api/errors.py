"""The one JSON error shape of the API: ``{"error": {"code", "message", "fields"}}``.

The app factory renders every HTTP error under /api/ with ``error_body``; views raise
``ApiError`` when they need a specific code, message or per-field messages.
"""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

# Machine-readable code for each status the API answers with.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "server_error",
}


def error_body(
    status: int, message: str, code: str | None = None, fields: dict | None = None
) -> dict:
    return {
        "error": {
            "code": code or STATUS_CODES.get(status, "error"),
            "message": message,
            "fields": fields or {},
        }
    }


def error_response(status: int, message: str, code: str | None = None, fields: dict | None = None):
    response = jsonify(error_body(status, message, code, fields))
    response.status_code = status
    return response


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
