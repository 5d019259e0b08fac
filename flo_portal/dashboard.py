"""Dashboard cards: each feature registers a function returning cards for a user.

A card is a dict: {"title", "value", "link", "hint"}. Providers must run a fixed,
small number of queries (aggregates in SQL), never one per row.
"""

from __future__ import annotations

from collections.abc import Callable

_PROVIDERS: list[Callable] = []


def card_provider(fn: Callable) -> Callable:
    _PROVIDERS.append(fn)
    return fn


def dashboard_cards(user) -> list[dict]:
    cards: list[dict] = []
    for provider in _PROVIDERS:
        cards.extend(provider(user) or [])
    return cards
