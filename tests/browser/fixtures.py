"""Browser-test fixtures, registered for the whole suite from tests/conftest.py.

* ``live_server`` — base URL of the app served in-process (a thread) on the test DB;
* ``strict_server`` — the same with production's SameSite=Strict session cookie;
* ``page`` — a Playwright page on Debian's Chromium (pytest-playwright, no download);
* ``sign_in(page, user, password=TEST_PASSWORD)`` — through the real login page, TOTP included;
* ``shot(page, name)`` — save a screenshot under test-artifacts/screenshots/;
* ``axe_check(page)`` — axe-core WCAG 2.1 AA scan; returns serious/critical violations.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from pathlib import Path

import pyotp
import pytest
from werkzeug.serving import make_server

from tests.factories import TEST_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE_JS = Path(__file__).with_name("axe.min.js")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "Debian's chromium is not installed (apt-get install -y chromium); "
            "browser tests never download a browser"
        )
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@contextlib.contextmanager
def served_portal(app, **settings):
    """A second app on the same database, served on 127.0.0.1 in a thread, with CSRF on
    as in production and ``settings`` over the test settings; yields its base URL."""
    from config import TestConfig
    from flo_portal import create_app
    from flo_portal.core.extensions import db

    keys = ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "UPLOAD_DIR")
    served = create_app(
        TestConfig, WTF_CSRF_ENABLED=True, **{k: app.config[k] for k in keys}, **settings
    )
    server = make_server("127.0.0.1", 0, served, threaded=True)
    # WebAuthn refuses an IP address as RP id: passkey journeys open http://localhost:PORT.
    served.config["WEBAUTHN_RP_ID"] = "localhost"
    served.config["WEBAUTHN_ORIGIN"] = f"http://localhost:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with served.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(app):
    """The portal served for the browser (``served_portal``), once per run."""
    with served_portal(app) as url:
        yield url


@pytest.fixture(scope="module")
def strict_server(app):
    """The portal as production serves it: CSRF on, session cookie SameSite=Strict (the
    federated sign-in journeys, where the provider's way back is cross-site)."""
    with served_portal(app, SESSION_COOKIE_SAMESITE="Strict") as url:
        yield url


@pytest.fixture
def sign_in(live_server):
    def _sign_in(page, user, password: str = TEST_PASSWORD):
        page.goto(f"{live_server}/auth/login")
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        if "/auth/login/verify" in page.url:
            page.get_by_label("Authentication code").fill(pyotp.TOTP(user.mfa_secret).now())
            page.get_by_role("button", name="Verify").click()
        elif "/auth/mfa/setup" in page.url and page.get_by_test_id("mfa-skip").count():
            # A partner user in the enrolment grace period (journeys sign the same user
            # in several times; enrolling would make the next sign-in ask for a code).
            page.get_by_test_id("mfa-skip").click()
        elif "/auth/mfa/setup" in page.url:
            secret = page.get_by_test_id("totp-secret").inner_text().strip()
            page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name="Turn on").click()
            page.get_by_role("link", name="I have saved them — continue").click()
        # Wait until the sign-in pages are left behind: "/**" alone would match the TOTP
        # page itself, and a goto() fired then cancels the verify POST (signed out).
        page.wait_for_url(lambda url: url.startswith(live_server) and "/auth/" not in url)
        return page

    return _sign_in


@pytest.fixture
def shot():
    def _shot(page, name: str) -> Path:
        path = ARTIFACTS / "screenshots" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def axe_check():
    def _check(page, *, impacts=("serious", "critical")) -> list[dict]:
        # Evaluated through the DevTools protocol: our CSP (rightly) blocks script tags.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
        result = page.evaluate(
            """async () => await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
        )
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
            if v["impact"] in impacts
        ]

    return _check


def product_desk(make_user):
    """Two agencies and the center staff a product journey needs: an analyst who writes,
    a coordinator (with TOTP, as center staff must) who publishes."""
    from flo_portal.security.permissions import Role
    from tests.factories import AgencyFactory

    inside = AgencyFactory(name="Harbor County Sheriff")
    outside = AgencyFactory(name="Pine Valley Fire")
    analyst = make_user(Role.ANALYST, name="Avery Analyst")
    coordinator = make_user(
        Role.COORDINATOR,
        name="Casey Coordinator",
        mfa_secret=pyotp.random_base32(),
        mfa_enabled=True,
    )
    return inside, outside, analyst, coordinator


def officer_safety_alert(analyst, agency):
    """A draft officer-safety alert (TLP:AMBER, LES) by ``analyst`` for ``agency``'s
    officers: the product the publish-and-acknowledge journeys follow."""
    from tests.products.helpers import draft

    return draft(
        analyst,
        product_type="officer_safety",
        tlp="TLP:AMBER",
        caveats="LES",
        title="Armed subject ambushing deputies",
        summary="Stage for back-up before approach.",
        body_md="Subject drives a **grey pickup**.",
        topics="officer safety",
        audience={"agency_ids": [agency.id]},
    )
