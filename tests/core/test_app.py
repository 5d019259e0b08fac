"""App-level guarantees: migrations match models, headers, health, production refusals."""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from flo_portal.core.extensions import db as _db
from flo_portal.search.models import is_index_machinery


def _not_fts(name, type_, parent_names) -> bool:
    return not is_index_machinery(name, type_, parent_names)


def test_models_and_migrations_agree(db):
    """No drift: the schema built by the migrations is what the models declare."""
    with _db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (the PostgreSQL-only roster search
        # indexes): alembic skips comparing them there and says so.
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        # The search index's database machinery (FTS5 tables, the tsv column) is no model.
        opts = {"compare_type": True, "include_name": _not_fts}
        ctx = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(ctx, _db.metadata)
    assert diff == []


def test_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in response.data  # no inline script anywhere on the page


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["database"] == "ok"
    if db.engine.dialect.name == "postgresql":  # issue 18: autovacuum off is reported
        setting = db.session.scalar(sa.text("SHOW autovacuum"))
        assert response.json["autovacuum"] == setting
        assert ("warnings" in response.json) == (setting != "on")
    else:
        assert "autovacuum" not in response.json


def test_unknown_page_is_a_404_page_in_the_layout(client):
    response = client.get("/no/such/page")
    assert (
        response.status_code == 404
        and b"Not found" in response.data
        and b"FLO Portal" in response.data
    )


def test_production_refuses_the_default_secret_key(monkeypatch):
    from config import ProductionConfig
    from flo_portal import create_app

    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://x@h/db")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "dev-insecure-change-me")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_cookies_are_secure():
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.SESSION_COOKIE_HTTPONLY
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Strict"


def test_seed_demo_refuses_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "refuses to run in production" in result.output


def test_seed_demo_prints_sign_ins_and_runs_once(app, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "coordinator@fusion.example.gov" in first.output and "TOTP secret:" in first.output
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "already present" in again.output


@pytest.mark.parametrize("url", ["/admin/users/3000000000", "/admin/users/99999999999999999999"])
def test_ids_beyond_the_database_range_are_404(client, login_as, url):
    from flo_portal.security.permissions import Role

    login_as(Role.ADMIN)
    assert client.get(url).status_code == 404


def test_parse_id_accepts_only_ascii_ids_in_range():
    from flo_portal.core.ids import MAX_ID, parse_id

    assert parse_id("42") == 42
    for junk in ["²", "-1", "0", str(MAX_ID + 1), "4 2", "", "1e3"]:
        with pytest.raises(ValueError):
            parse_id(junk)
