"""The deployment kit in deploy/ holds together: gunicorn's settings load, the nginx site
renders with the app's upload limit, the compose file has its five services."""

from __future__ import annotations

import os
import re
import runpy
from pathlib import Path

import pytest

from config import Config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _gunicorn_settings(env: dict[str, str], monkeypatch):
    from gunicorn.config import Config as GunicornConfig

    for name in ("WEB_CONCURRENCY", "GUNICORN_BIND", "FORWARDED_ALLOW_IPS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config = GunicornConfig()
    for key, value in namespace.items():
        if key in config.settings:
            config.set(key, value)  # validated by gunicorn, as `gunicorn -c` does
    return config


def test_gunicorn_workers_follow_the_cpus_and_the_environment(monkeypatch):
    config = _gunicorn_settings({}, monkeypatch)
    assert config.workers == min(max(2 * len(os.sched_getaffinity(0)), 2), 16)
    assert config.timeout == 60 and config.graceful_timeout == 30
    assert config.forwarded_allow_ips == ["127.0.0.1", "::1"]
    assert config.bind == ["127.0.0.1:8000"]
    assert "{x-forwarded-for}i" in config.access_log_format
    assert "{x-request-id}i" in config.access_log_format
    config = _gunicorn_settings({"WEB_CONCURRENCY": "4", "GUNICORN_TIMEOUT": "90"}, monkeypatch)
    assert config.workers == 4 and config.timeout == 90


def test_nginx_site_has_tls_hsts_proxy_headers_upload_limit_and_static(monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("render_nginx", DEPLOY / "render_nginx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    site = module.render({"SERVER_NAME": "portal.center.gov", "STATIC_ROOT": "/srv/x/static"})
    assert "${" not in site  # every placeholder of ours is filled; nginx's $vars remain
    assert f"client_max_body_size {Config.MAX_CONTENT_LENGTH};" in site
    assert "client_max_body_size 2097152;" in module.render({"MAX_CONTENT_LENGTH": "2097152"})
    assert "listen 443 ssl http2;" in site and "return 301 https://$host$request_uri;" in site
    assert re.search(r"Strict-Transport-Security \"max-age=\d+; includeSubDomains\" always", site)
    assert "proxy_hide_header Strict-Transport-Security;" in site  # one HSTS header, not two
    for header in (
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Request-ID $request_id;",
        "proxy_set_header Host $http_host;",
    ):
        assert header in site
    assert "location /static/ {\n        alias /srv/x/static/;" in site
    assert "server_name portal.center.gov;" in site


def test_compose_runs_web_scheduler_postgres_redis_and_a_one_shot_migration():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "scheduler", "postgres", "redis", "migrate"}
    assert services["migrate"]["command"] == ["flask", "db", "upgrade", "heads"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "scheduler"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["scheduler"]["command"] == ["flask", "scheduler", "run"]
    assert services["web"]["environment"]["RATELIMIT_STORAGE_URI"].startswith("redis://")


def test_dockerfile_is_slim_non_root_with_tzdata():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", text, re.M)
    assert "tzdata" in text
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and not users[-1].startswith(("root", "0"))


def test_systemd_units_run_gunicorn_and_one_scheduler():
    web = (DEPLOY / "systemd" / "flo-portal-web.service").read_text()
    scheduler = (DEPLOY / "systemd" / "flo-portal-scheduler.service").read_text()
    assert "gunicorn -c deploy/gunicorn.conf.py wsgi:app" in web
    assert "flask scheduler run" in scheduler
    for unit in (web, scheduler):
        assert "EnvironmentFile=/etc/flo-portal/env" in unit
        assert "FLO_ENV=production" in unit
        assert re.search(r"^User=(?!root)\S+", unit, re.M)
