"""Dashboard cards: each feature registers a function returning cards for a user.

A card is a dict: {"title", "value", "link", "hint"}, with "links" (label, url) pairs in
place of the one "link" when it offers several, and a "value" of "" for none. Providers must run a fixed,
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
