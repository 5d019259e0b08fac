"""Issue 10 item 11: no 500 from any input, 503 when the database is gone, and the
formula guard, production debug refusal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from bench.harness import sign_in
from flo_portal.core.csv_export import csv_text, safe_cell
from tests.markers import needs_postgres


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "|cmd",
        "\tx",
        "\rx",
        "＝cmd|' /C calc'!A0",  # full-width equals sign
        "｜cmd",  # full-width vertical line
        "＋1",
        "－1",
        "＠SUM(A1)",
        "  =1+1",  # leading blanks are skipped by spreadsheets
    ],
)
def test_formula_cells_get_a_quote_including_full_width_forms(value):
    assert safe_cell(value) == "'" + value
    assert csv_text(["h"], [[value]]).splitlines()[1].lstrip('"').startswith("'")


@pytest.mark.parametrize("value", ["Alpha PD", "ｆｕｌｌ width", "2025-01-06", "a=b", ""])
def test_ordinary_cells_are_left_alone(value):
    assert safe_cell(value) == value


def _production(monkeypatch):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://x@h/db")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 40)
    monkeypatch.setattr(ProductionConfig, "MFA_ENCRYPTION_KEYS", [Fernet.generate_key().decode()])
    monkeypatch.setattr(ProductionConfig, "AUDIT_HMAC_KEY", "a" * 48)
    # Production refuses memory:// (tests/ops/test_rate_limit_storage.py); the limiter is
    # off here so this app does not leave the global limiter counting in that Redis.
    monkeypatch.setattr(ProductionConfig, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/5")
    monkeypatch.setattr(ProductionConfig, "RATELIMIT_ENABLED", False, raising=False)
    return ProductionConfig


def test_production_refuses_flask_debug(monkeypatch):
    from flo_portal import create_app

    config = _production(monkeypatch)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="debug on"):
        create_app(config)
    monkeypatch.delenv("FLASK_DEBUG")
    with pytest.raises(RuntimeError, match="debug on"):
        create_app(config, DEBUG=True)
    app = create_app(config)  # without debug it starts
    assert not app.debug


def _list_urls(app) -> list[str]:
    """Every GET page without URL arguments (the list pages among them)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint != "static"
        and rule.endpoint != "ops.readyz"  # its 503 ("not ready") is an answer, not a crash
        and "logout" not in rule.endpoint
    )


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_no_page_value_gives_a_500_on_any_list(app, client, login_as, role):
    login_as(role)
    urls = _list_urls(app)
    assert "/roster/officers" in urls and "/audit/" in urls and len(urls) > 20
    failures = []
    for url in urls:
        for page in ("99999999999999999999", "-1", "abc", "0", "1e9", "9" * 5000):
            response = client.get(url, query_string={"page": page})
            if response.status_code >= 500:
                failures.append((url, page[:25], response.status_code))
    assert failures == []


def test_a_huge_page_is_an_empty_page_and_a_bad_one_is_page_one(client, login_as):
    from tests.factories import AgencyFactory

    login_as("coordinator")
    AgencyFactory(name="Zulu County Sheriff")
    from flo_portal.core.extensions import db

    db.session.commit()
    assert b"Zulu County Sheriff" in client.get("/agencies/?page=abc").data
    assert b"Zulu County Sheriff" in client.get("/agencies/?page=-1").data
    huge = client.get("/agencies/?page=99999999999999999999")
    assert huge.status_code == 200 and b"Zulu County Sheriff" not in huge.data


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


@pytest.mark.parametrize(
    "url",
    [
        lambda tmp: f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/test",
        lambda tmp: f"sqlite:///{tmp}/no/such/dir/flo.sqlite",
    ],
    ids=["postgresql-closed-port", "sqlite-missing-dir"],
)
def test_an_unreachable_database_is_503_with_retry_after(url, tmp_path):
    from config import TestConfig
    from flo_portal import create_app

    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url(tmp_path),
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}}
        if "postgresql" in url(tmp_path)
        else {},
        UPLOAD_DIR=str(tmp_path),
    )
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = "1:tok"  # loading the signed-in user needs the database
        sess["_fresh"] = True
        sess["last_seen"] = int(__import__("time").time())
    page = client.get("/roster/officers")
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert b"cannot reach its database" in page.data
    anonymous = app.test_client().post(
        "/auth/login", data={"email": "a@b.example.gov", "password": "x" * 12}
    )
    assert anonymous.status_code == 503 and anonymous.headers["Retry-After"] == "30"
    api = app.test_client().get(
        "/api/v1/officers", headers={"Authorization": "Bearer flo_pat_" + "x" * 43}
    )
    assert api.status_code == 503 and api.headers["Retry-After"] == "30"
    assert api.json["error"]["code"] == "database_unavailable"
    with app.app_context():
        from flo_portal.core.extensions import db

        db.engine.dispose()


@needs_postgres
def test_a_backend_terminated_mid_request_is_503(app, make_user):
    """pg_terminate_backend on the request's own connection between two queries."""
    import sqlalchemy as sa

    from config import TestConfig
    from flo_portal import create_app
    from flo_portal.core.extensions import db

    user = make_user("coordinator")
    keys = ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "UPLOAD_DIR")
    other = create_app(TestConfig, **{k: app.config[k] for k in keys})
    killer = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    def terminate_own_backend():
        from flask import request

        if request.path != "/roster/officers":
            return
        from flask_login import current_user

        assert current_user.is_authenticated  # the first query went through
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        with killer.begin() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    other.before_request(terminate_own_backend)
    client = other.test_client()
    sign_in(client, user)  # the same database: the session record is there for `other`
    try:
        response = client.get("/roster/officers")
        assert response.status_code == 503 and response.headers["Retry-After"] == "30"
        assert client.get("/healthz").status_code == 200  # the pool reconnects afterwards
    finally:
        killer.dispose()
        with other.app_context():
            db.engine.dispose()


def _stored_files(app, sub: str) -> set[str]:
    from pathlib import Path

    root = Path(app.config["UPLOAD_DIR"]) / sub
    return {p.name for p in root.iterdir()} if root.exists() else set()


def test_an_upload_in_a_request_that_then_fails_leaves_no_file(
    app, client, login_as, make_user, monkeypatch
):
    import io

    from flo_portal.core.extensions import db
    from flo_portal.products import attachments
    from flo_portal.products.models import ProductAttachment
    from tests.products.helpers import PDF, draft

    author = make_user("analyst")
    product = draft(author)
    db.session.commit()
    before = _stored_files(app, "products")
    login_as(author)

    def audit_fails(*args, **kwargs):
        raise RuntimeError("audit write failed after the file was written")

    monkeypatch.setattr(attachments, "audit", audit_fails)
    response = client.post(
        f"/products/{product.id}/attachments",
        data={"file": (io.BytesIO(PDF), "brief.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 500
    assert _stored_files(app, "products") == before
    assert db.session.scalar(sa_count(ProductAttachment)) == 0

    monkeypatch.undo()  # the same upload, committed, keeps its file
    response = client.post(
        f"/products/{product.id}/attachments",
        data={"file": (io.BytesIO(PDF), "brief.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [att] = db.session.scalars(sa.select(ProductAttachment)).all()
    assert _stored_files(app, "products") == before | {att.storage_name}


def test_an_rfi_file_goes_when_its_transaction_rolls_back(app, make_user):
    from flo_portal.core.extensions import db
    from flo_portal.rfis.attachments import store_attachment
    from tests.products.helpers import PDF
    from tests.rfis.helpers import submit

    flo = make_user("liaison_officer")
    rfi = submit(flo)
    before = _stored_files(app, "rfis")
    store_attachment(rfi, flo, "map.pdf", PDF)
    db.session.flush()
    assert len(_stored_files(app, "rfis") - before) == 1  # written, not yet committed
    db.session.rollback()
    assert _stored_files(app, "rfis") == before
    store_attachment(rfi, flo, "map.pdf", PDF)
    db.session.commit()
    assert len(_stored_files(app, "rfis") - before) == 1


def sa_count(model):
    return sa.select(sa.func.count()).select_from(model)
