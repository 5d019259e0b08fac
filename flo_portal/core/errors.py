"""One hierarchy of domain errors, answered in one place for pages and for the API.

Services raise these; views and API endpoints do not catch them to pick a status. The
app factory registers ``handle_domain_error``: under ``/api/`` it answers the API's JSON
error body with the status below; on a page it flashes the message and sends the user
back where they came from (or shows the error page). A view with a form that wants the
message next to a field catches ``InputError`` and re-renders (``formtools.show_error``).

    DomainError
      InputError   422  what was sent is not acceptable (a field can be named)
      Refused      403  this user may not do this (role, guard, four-eyes)
      NotFound     404  no such object, or one this user may not know exists
      Conflict     409  not possible in the object's current state
        Stale      409  it changed since the user read it (optimistic locking)
"""

from __future__ import annotations

from flask import jsonify


class DomainError(Exception):
    status = 400
    default_message = "This cannot be done."

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        self.field = field
        self.fields = dict(fields or {})
        if field and field not in self.fields:
            self.fields[field] = [self.message]
        self.code = code

    def __str__(self) -> str:
        return self.message


class InputError(DomainError, ValueError):
    status = 422
    default_message = "Some of what you sent is not valid."


class Refused(DomainError):
    status = 403
    default_message = "You may not do that."


class NotFound(DomainError):
    status = 404
    default_message = "There is nothing here, or you may not see it."


class Conflict(DomainError):
    status = 409
    default_message = "That is not possible in its current state."


class Stale(Conflict):
    default_message = "It changed since you read it; read it again and re-apply your change."


# --- the JSON error body (the API, and any JSON answer of the portal) ---------------
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
    428: "precondition_required",
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
