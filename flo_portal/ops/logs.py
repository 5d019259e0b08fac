"""JSON logs (python-json-logger): one JSON object a line, for web and scheduler alike.

Every line carries ``request_id``, ``user_id`` and ``endpoint``: in a request, the id
from ``X-Request-Id`` (nginx sets it; else a new one, echoed in the response), the
signed-in user (only when already loaded: logging never queries the database) and the
Flask endpoint; outside a request (the scheduler, CLI commands) ``endpoint`` names the
process (``scheduler``, ``cli``) and the other two are null.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from typing import IO

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-Id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def process_role() -> str:
    """What this process is, for lines outside a request."""
    argv = " ".join(sys.argv[1:3])
    if "scheduler" in argv:
        return "scheduler"
    if "gunicorn" in sys.argv[0]:
        return "web"
    return "cli"


def assign_request_id() -> None:
    """First before-request step: this request's id, the proxy's ``X-Request-Id`` when it
    is sane, else a new one. Synthetic request contexts (jobs) never get one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Adds request_id, user_id and endpoint to every record (never fails a log call)."""

    def __init__(self, role: str | None = None) -> None:
        super().__init__()
        self.role = role or process_role()

    def filter(self, record: logging.LogRecord) -> bool:
        rid = uid = None
        endpoint = self.role
        try:
            if has_request_context() and g.get("request_id"):
                rid, endpoint = g.request_id, request.endpoint or request.path
                user = g.get("_login_user")  # what Flask-Login loaded; never load it here
                if getattr(user, "is_authenticated", False):
                    uid = getattr(user, "id", None)
        except Exception:  # noqa: S110 - a log line must never raise
            pass
        record.request_id = getattr(record, "request_id", None) or rid
        record.user_id = getattr(record, "user_id", None) or uid
        record.endpoint = endpoint if not getattr(record, "endpoint", None) else record.endpoint
        return True


def json_handler(stream: IO[str] | None = None, role: str | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(FIELDS, rename_fields={"levelname": "level", "name": "logger"})
    )
    handler.addFilter(ContextFilter(role))
    return handler


def configure(app: Flask) -> None:
    """Root logging as JSON (LOG_FORMAT=json, the default outside debug and tests) or
    plain text (LOG_FORMAT=text); the request id goes back in the response."""

    app.before_request(assign_request_id)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        if g.get("request_id"):
            response.headers.setdefault(REQUEST_ID_HEADER, g.request_id)
        return response

    if app.debug or app.testing:
        return
    root = logging.getLogger()
    if getattr(root, "_flo_configured", False):
        return
    level = getattr(logging, str(app.config.get("LOG_LEVEL", "INFO")).upper(), logging.INFO)
    if app.config.get("LOG_FORMAT", "json") == "json":
        for old in list(root.handlers):
            root.removeHandler(old)
        root.addHandler(json_handler())
        root.setLevel(level)
    else:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root._flo_configured = True  # type: ignore[attr-defined]
