"""Dashboard cards: each feature registers a function returning cards for a user.

A card is a dict: {"title", "value", "link", "hint"}, with "links" (label, url) pairs in
place of the one "link" when it offers several, and a "value" of "" for none. Providers must run a fixed,
small number of queries (aggregates in SQL), never one per row. A card whose value is a
count gives it as a scalar subquery (``count_of(...)``): the dashboard reads every such
count of the page in one statement.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from flo_portal.core.extensions import db

_PROVIDERS: list[Callable] = []


def card_provider(fn: Callable) -> Callable:
    _PROVIDERS.append(fn)
    return fn


def count_of(stmt: sa.Select) -> sa.ScalarSelect:
    """A card's value to be counted with the page's other counts: ``stmt`` selects one
    aggregate."""
    return stmt.scalar_subquery()


def dashboard_cards(user) -> list[dict]:
    cards: list[dict] = []
    for provider in _PROVIDERS:
        cards.extend(provider(user) or [])
    counted = [card for card in cards if isinstance(card.get("value"), sa.ScalarSelect)]
    if counted:
        values = db.session.execute(sa.select(*(card["value"] for card in counted))).one()
        for card, value in zip(counted, values, strict=True):
            card["value"] = value or 0
    return cards
