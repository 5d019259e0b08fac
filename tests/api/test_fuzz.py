"""Schemathesis against the generated OpenAPI document, in process (WSGI), with a
read-write token of every role: no 5xx, every status, header and body as documented,
and data that breaks the document refused.

Bounded: API_FUZZ_EXAMPLES examples per operation and generation mode (positive data
that fits the document, negative data that does not), each sent once per role, so the
whole run stays well under three minutes.

(Schemathesis' ``pytest.from_fixture`` reads ``request.node._nodeid``, which pytest 9
removed, so each operation is driven through ``APIOperation.as_strategy`` here.)
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config import TestConfig
from flo_portal import create_app
from flo_portal.api.openapi import build_spec
from flo_portal.security.permissions import Role
from tests.api.world import build_world

FUZZ_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZ_STATS = {"cases": 0, "requests": 0, "operations": set()}


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every documented operation; the url_map needs no database."""
    spec_app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    with spec_app.app_context():
        spec = build_spec(spec_app)
    return [(m.upper(), path) for path, methods in spec["paths"].items() for m in methods]


OPERATIONS = _operations()


_SCHEMAS: dict = {}


def _schema(app):
    """Loaded once per app: parsing the document and building its validators is the slow part."""
    if id(app) not in _SCHEMAS:
        _SCHEMAS[id(app)] = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return _SCHEMAS[id(app)]


@pytest.fixture
def fuzz_tokens(make_user, token_for):
    world = build_world(make_user)
    return {role.value: token_for(world.users[role.value]) for role in Role}


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_conforms_to_its_document_for_every_role(app, fuzz_tokens, method, path, mode):
    operation = _schema(app)[path][method]
    checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        FUZZ_STATS["cases"] += 1
        FUZZ_STATS["operations"].add(f"{method} {path}")
        for token in fuzz_tokens.values():
            FUZZ_STATS["requests"] += 1
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=checks)

    run()
