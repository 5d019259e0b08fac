"""``/readyz`` and ``/metrics`` (``/healthz`` lives in main: liveness)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from flo_portal.ops import metrics, readiness
from flo_portal.security import public

bp = Blueprint("ops", __name__)


@bp.route("/readyz")
@public
def readyz():
    ok, body = readiness.check()
    return jsonify(body), 200 if ok else 503


@bp.route("/metrics")
@public  # its own gate: METRICS_TOKEN or METRICS_ALLOWED_IPS (flo_portal/ops/metrics.py)
def metrics_endpoint():
    return metrics.scrape()
