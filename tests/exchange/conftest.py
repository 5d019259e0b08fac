"""Exchange test helpers: a frozen clock, published products, tokens, and real HTTP
servers on 127.0.0.1 (the portal for taxii2-client, medallion for the portal's poller)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from werkzeug.serving import make_server

from flo_portal.api.models import TokenScope
from flo_portal.api.tokens import create_token
from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory
from tests.products import helpers as products

START = datetime(2026, 11, 2, 14, 0, 0, 250000, tzinfo=UTC)
TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def clock():
    """The clock stands still at START; ``clock.shift(timedelta)`` moves it."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def token_for(db):
    def _make(user, scope: str = TokenScope.READ) -> str:
        _row, text = create_token(user, "taxii test", TokenScope(scope), 30)
        db.session.commit()
        return text

    return _make


@contextmanager
def serve(wsgi_app):
    """``wsgi_app`` on a real HTTP server on 127.0.0.1 (a free port), in a thread."""
    server = make_server("127.0.0.1", 0, wsgi_app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


class World:
    """Two agencies; staff; an FLO in each; products of several markings, published one
    minute apart: all FLOs GREEN, agency A only AMBER, RED for the FLO of B by name, and
    an indicators-and-warnings one for everybody."""

    def __init__(self, make_user, clock):
        self.a = AgencyFactory(name="Agency A", region="North")
        self.b = AgencyFactory(name="Agency B", region="South")
        db.session.commit()
        self.staff = products.staff(make_user)
        self.flo_a = make_user(Role.LIAISON_OFFICER, agency=self.a, name="FLO of A")
        self.flo_b = make_user(Role.LIAISON_OFFICER, agency=self.b, name="FLO of B")
        self.coordinator = self.staff["coordinator"]
        self.analyst = self.staff["author"]

        def publish(**kw):
            clock.shift(timedelta(minutes=1))
            return products.publish(
                products.draft(self.analyst, **kw), self.coordinator, self.staff["privacy"]
            )

        self.green_all = publish(title="Copper theft at rail sites", caveats="LES; FOUO")
        self.amber_a = publish(
            title="Agency A only", tlp="TLP:AMBER", audience={"agency_ids": [self.a.id]}
        )
        self.red_b = publish(
            title="Named recipients only", tlp="TLP:RED", audience={"user_ids": [self.flo_b.id]}
        )
        self.iw = publish(
            title="Drone sightings near substations",
            product_type="indicators_warnings",
            tlp="TLP:CLEAR",
        )
        self.strict_b = publish(
            title="Agency B strict", tlp="TLP:AMBER+STRICT", audience={"agency_ids": [self.b.id]}
        )


@pytest.fixture
def world(make_user, clock):
    return World(make_user, clock)
