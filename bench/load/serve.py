"""What gunicorn serves in the load benchmark: the portal, and beside it under /bare the
stack's own ceiling (a bare Flask + SQLAlchemy + Flask-Login app rendering 50 rows).

    gunicorn -w 2 'bench.load.serve:wsgi_app()'          # BENCH_LOAD_* variables set
    flask --app 'bench.load.serve:portal_app()' audit verify

The database comes from BENCH_LOAD_URL (and BENCH_LOAD_SCHEMA, the PostgreSQL schema the
benchmark built its data in); the portal runs with its development configuration (CSRF
on, real sign-in and MFA) and the bench's own secret key and upload folder.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, abort, render_template_string
from flask_login import LoginManager, UserMixin, login_required, login_user
from werkzeug.middleware.dispatcher import DispatcherMiddleware

APPLICATION_NAME = "flo-bench-load"  # the PostgreSQL backends serving the bench


def settings() -> dict:
    url = os.environ["BENCH_LOAD_URL"]
    schema = os.environ.get("BENCH_LOAD_SCHEMA", "")
    overrides: dict = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": os.environ.get("BENCH_LOAD_SECRET", "bench-load-secret-key-0123456789abcdef"),
        "UPLOAD_DIR": os.environ["BENCH_LOAD_UPLOADS"],
        "MAIL_ENABLED": False,
        "LOGIN_RATE_LIMIT": "100000 per minute",  # the bench signs in many users at once
        "AUDIT_CHECKPOINT_FILE": "",
    }
    if url.startswith("postgresql"):
        options = f"-csearch_path={schema}" if schema else ""
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": options, "application_name": APPLICATION_NAME},
        }
    return overrides


def portal_app():
    from flo_portal import create_app

    return create_app("development", **settings())


BARE_PAGE = """<!doctype html><html><head><title>Bare</title></head><body>
<h1>Officers</h1><p>Signed in as {{ user.name }}</p>
<table><tr><th>#</th><th>Name</th><th>E-mail</th><th>Status</th></tr>
{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.first_name }} {{ r.last_name }}</td>
<td>{{ r.email }}</td><td>{{ r.status }}</td></tr>{% endfor %}
</table></body></html>"""


class BareUser(UserMixin):
    def __init__(self, row):
        self.id, self.name = row.id, row.name


def bare_app() -> Flask:
    """The ceiling: sign-in cookie -> user row -> 50 rows -> a Jinja table."""
    s = settings()
    options = s.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    engine = sa.create_engine(s["SQLALCHEMY_DATABASE_URI"], **options)
    meta = sa.MetaData()
    users = sa.Table("user_account", meta, autoload_with=engine)
    officers = sa.Table("officer", meta, autoload_with=engine)
    app = Flask("bare")
    app.config.update(SECRET_KEY=s["SECRET_KEY"], SESSION_COOKIE_NAME="bare_session")
    app.extensions["bare_engine"] = engine
    login = LoginManager(app)

    @login.user_loader
    def load(user_id: str):
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(users.c.id, users.c.name).where(users.c.id == int(user_id))
            ).first()
        return BareUser(row) if row else None

    @app.route("/login/<int:user_id>")
    def sign_in(user_id: int):
        user = load(str(user_id)) or abort(404)
        login_user(user)
        return "signed in"

    @app.route("/")
    @login_required
    def page():
        from flask_login import current_user

        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    officers.c.id,
                    officers.c.first_name,
                    officers.c.last_name,
                    officers.c.email,
                    officers.c.status,
                )
                .order_by(officers.c.id)
                .limit(50)
            ).all()
        return render_template_string(BARE_PAGE, rows=rows, user=current_user)

    return app


def wsgi_app():
    portal = portal_app()
    return DispatcherMiddleware(portal.wsgi_app, {"/bare": bare_app()})
