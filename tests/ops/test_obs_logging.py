"""JSON log lines carry request id, user id and endpoint, in requests and the scheduler."""

from __future__ import annotations

import io
import json
import logging

from flask_login import login_user

from flo_portal.ops import logs


def _capture(role: str | None = None):
    stream = io.StringIO()
    handler = logs.json_handler(stream, role=role)
    logger = logging.getLogger("flo_portal.test_obs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, handler, stream


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_line_has_request_id_user_and_endpoint(app, make_user):
    user = make_user("analyst")
    logger, handler, stream = _capture()
    try:
        with app.test_request_context("/dashboard", headers={"X-Request-Id": "req-42"}):
            logs.assign_request_id()
            login_user(user)
            logger.info("opened the dashboard")
    finally:
        logger.removeHandler(handler)
    (line,) = _lines(stream)
    assert line["message"] == "opened the dashboard"
    assert line["level"] == "INFO" and line["logger"] == "flo_portal.test_obs"
    assert line["request_id"] == "req-42"
    assert line["user_id"] == user.id
    assert line["endpoint"] == "main.dashboard"
    assert "asctime" in line


def test_a_scheduler_line_names_the_process_and_has_the_same_keys(app):
    logger, handler, stream = _capture(role="scheduler")
    try:
        # A job runs in a synthetic request context (for url_for): not a request.
        with app.test_request_context("/"):
            logger.info("job outbox_delivery: ok")
        logger.info("outside any context")
    finally:
        logger.removeHandler(handler)
    for line in _lines(stream):
        assert line["endpoint"] == "scheduler"
        assert line["request_id"] is None and line["user_id"] is None


def test_a_forged_request_id_is_replaced_and_the_id_is_echoed(client):
    sane = client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert sane.headers["X-Request-Id"] == "abc-123"
    forged = client.get("/healthz", headers={"X-Request-Id": 'x" {"level":"ERROR"}'})
    rid = forged.headers["X-Request-Id"]
    assert len(rid) == 32 and rid.isalnum()


def test_production_logging_is_json_on_the_root_logger(app):
    """configure() on a non-test app puts one JSON handler on the root logger."""
    from config import TestConfig
    from flo_portal import create_app

    root = logging.getLogger()
    saved = (list(root.handlers), root.level, getattr(root, "_flo_configured", False))
    try:
        root._flo_configured = False  # type: ignore[attr-defined]
        create_app(
            TestConfig,
            TESTING=False,
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        )
        (handler,) = root.handlers
        assert type(handler.formatter).__name__ == "JsonFormatter"
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        root._flo_configured = saved[2]  # type: ignore[attr-defined]
