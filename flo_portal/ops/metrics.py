"""Prometheus metrics (prometheus_client), gunicorn multi-process mode included.

With ``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory, wiped before gunicorn starts;
gunicorn's ``child_exit`` hook calls :func:`mark_process_dead`) every worker writes its
samples there and a scrape of any worker sums them all. Without it (``flask run``, the
tests) the process's own registry is served.

Request latency is a histogram per endpoint; the job and outbox figures are read from
the database at scrape time (the JobRun and OutboxEmail tables are the truth, whichever
process did the work), so they are right whatever worker answers.

``/metrics`` is for the scraper only: a request passes with ``Authorization: Bearer
<METRICS_TOKEN>`` (when METRICS_TOKEN is set) or from an address in METRICS_ALLOWED_IPS
(loopback by default; empty by default in production, where the token is the way).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterable

import sqlalchemy as sa
from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

disable_created_metrics()  # no *_created series: Prometheus does not need them here

REQUEST_LATENCY = Histogram(
    "flo_http_request_duration_seconds",
    "Time to answer an HTTP request, per endpoint.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def mark_process_dead(pid: int) -> None:
    """For gunicorn's ``child_exit`` hook: drop a dead worker's live gauges."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        endpoint = request.endpoint or "unmatched"  # never the raw path: unbounded labels
        REQUEST_LATENCY.labels(endpoint, request.method, str(response.status_code)).observe(
            time.perf_counter() - started
        )
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_observe)


class DatabaseCollector(Collector):
    """Job last-success times and the outbox, read from the database at scrape time."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from flo_portal.core.extensions import db
        from flo_portal.jobs.models import JobRun
        from flo_portal.jobs.registry import JOBS
        from flo_portal.notifications.models import OutboxEmail

        last_ok = GaugeMetricFamily(
            "flo_job_last_success_timestamp_seconds",
            "When each job last finished with outcome ok (Unix time; 0 = never).",
            labels=["job"],
        )
        rows = dict(
            db.session.execute(
                sa.select(JobRun.job, sa.func.max(JobRun.finished_at))
                .where(JobRun.outcome == "ok")
                .group_by(JobRun.job)
            ).all()
        )
        for name in sorted(set(JOBS) | set(rows)):
            finished = rows.get(name)
            last_ok.add_metric([name], _unix(finished) if finished else 0.0)
        yield last_ok

        last_tick = db.session.scalar(sa.select(sa.func.max(JobRun.started_at)))
        yield GaugeMetricFamily(
            "flo_scheduler_last_tick_timestamp_seconds",
            "When the scheduler last started a job run (Unix time; 0 = never).",
            value=_unix(last_tick) if last_tick else 0.0,
        )

        unsent = OutboxEmail.sent_at.is_(None)
        backlog, failing = db.session.execute(
            sa.select(
                sa.func.count(OutboxEmail.id),
                sa.func.count(OutboxEmail.id).filter(OutboxEmail.attempts > 0),
            ).where(unsent)
        ).one()
        yield GaugeMetricFamily(
            "flo_outbox_backlog", "Mails in the outbox not yet sent.", value=backlog
        )
        yield GaugeMetricFamily(
            "flo_outbox_failing",
            "Unsent mails whose last delivery attempt failed (retrying with backoff).",
            value=failing,
        )
        attempts = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(OutboxEmail.attempts), 0))
        )
        yield GaugeMetricFamily(
            "flo_outbox_failed_attempts",
            "Failed delivery attempts recorded on outbox rows (sent or not).",
            value=float(attempts or 0),
        )


def _unix(moment) -> float:
    from datetime import UTC

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    return (request.remote_addr or "") in set(current_app.config.get("METRICS_ALLOWED_IPS", ()))


def scrape() -> Response:
    if not allowed():
        abort(403)
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        process_text = generate_latest(registry)
    else:
        process_text = generate_latest(REGISTRY)
    db_registry = CollectorRegistry(auto_describe=False)
    db_registry.register(DatabaseCollector())
    body = process_text + generate_latest(db_registry)
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST})
