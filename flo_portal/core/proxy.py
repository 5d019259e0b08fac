"""Behind a reverse proxy: whom to believe about the client's address and scheme.

With ``TRUSTED_PROXY_HOPS = n`` (n > 0) the app is wrapped in Werkzeug's ``ProxyFix``:
``request.remote_addr`` becomes the address the n-th proxy from the app saw (the
right-most n-th entry of ``X-Forwarded-For``, so a client cannot forge it by sending its
own header) and the scheme comes from ``X-Forwarded-Proto``. Everything keyed on the
client's address reads ``request.remote_addr``: the audit trail's ``ip``, the sign-in
and API rate-limit buckets (Flask-Limiter's ``get_remote_address``), the session record.

With 0 (the default: the app is reached directly) the headers are ignored. The host is
never taken from ``X-Forwarded-Host``: nginx passes the real ``Host`` (deploy/nginx).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops < 0:
        raise RuntimeError("TRUSTED_PROXY_HOPS must be 0 (no proxy) or more.")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
