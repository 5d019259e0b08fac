"""/metrics: request latency per endpoint, job last success, outbox backlog and failures."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from flo_portal.core.orm import utcnow
from flo_portal.jobs.models import JobRun
from flo_portal.notifications.models import OutboxEmail


def _mail(n: int, **kw) -> OutboxEmail:
    return OutboxEmail(to_address=f"a{n}@example.gov", subject="s", body_text="b", **kw)


def test_a_scrape_shows_latency_jobs_and_outbox(client, db):
    finished = utcnow() - timedelta(minutes=3)
    db.session.add(
        JobRun(
            job="outbox_delivery",
            slot=finished,
            started_at=finished,
            finished_at=finished,
            outcome="ok",
        )
    )
    db.session.add_all(
        [
            _mail(1),
            _mail(2, attempts=3, last_error="refused"),
            _mail(3, sent_at=utcnow(), attempts=1),
        ]
    )
    db.session.commit()
    assert client.get("/healthz").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    text = response.get_data(as_text=True)
    assert (
        'flo_http_request_duration_seconds_count{endpoint="main.healthz",method="GET",'
        'status="200"}' in text
    )
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    job = (("job", "outbox_delivery"),)
    assert abs(samples[("flo_job_last_success_timestamp_seconds", job)] - finished.timestamp()) < 1
    assert 'flo_job_last_success_timestamp_seconds{job="daily_digest"} 0.0' in text
    assert "flo_outbox_backlog 2.0" in text
    assert "flo_outbox_failing 1.0" in text
    assert "flo_outbox_failed_attempts 4.0" in text


def test_metrics_need_the_token_or_a_trusted_address(client, app, monkeypatch):
    outsider = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outsider).status_code == 403
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-scrape-token")
    assert client.get("/metrics", environ_base=outsider).status_code == 403
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", environ_base=outsider, headers=wrong).status_code == 403
    right = {"Authorization": "Bearer s3cret-scrape-token"}
    assert client.get("/metrics", environ_base=outsider, headers=right).status_code == 200


def test_production_trusts_no_address_by_default(monkeypatch):
    from config import ProductionConfig

    assert ProductionConfig.METRICS_ALLOWED_IPS == []


OBSERVE = """
from flo_portal.ops.metrics import REQUEST_LATENCY
REQUEST_LATENCY.labels("main.healthz", "GET", "200").observe(0.01)
"""
COLLECT = """
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
registry = CollectorRegistry()
multiprocess.MultiProcessCollector(registry)
print(generate_latest(registry).decode())
"""


def test_multiprocess_mode_sums_the_workers(tmp_path):
    """Two 'workers' observe one request each; a scrape sees both (gunicorn's mode)."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", OBSERVE], env=env, check=True)
    out = subprocess.run(
        [sys.executable, "-c", COLLECT], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert (
        'flo_http_request_duration_seconds_count{endpoint="main.healthz",method="GET",'
        'status="200"} 2.0' in out
    )
