"""Markers shared by the suite."""

from __future__ import annotations

import os

import pytest

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")

skip_unless_postgres = pytest.mark.skipif(
    not ON_POSTGRES,
    reason=(
        "needs PostgreSQL: SQLite serialises all writers with one database lock, so there "
        "is no race (or server behaviour) to test; run with TEST_DATABASE_URL."
    ),
)


def needs_postgres(test):
    """Run ``test`` on PostgreSQL only (and select it with ``-m postgres``)."""
    return pytest.mark.postgres(skip_unless_postgres(test))
