"""What can be followed, how a value is written down, and which (kind, value) keys a
released product or briefing carries.

What the models hold, and what each kind follows:

=============  ===========================================================  ===========
kind           a product matches when                                       a briefing
=============  ===========================================================  ===========
topic          one of its comma-separated ``topics`` (case-insensitive)     its ``topic``
product_type   its ``product_type``                                         —
region         its effective audience names the region                      its audience
discipline     its effective audience names the discipline                  its audience
agency         its effective audience names the agency                      its audience
search         its search document matches the saved words (in SQL)         —
=============  ===========================================================  ===========

A key says only what an item is *about or addressed to*; whether a follower may see the
item is decided by the item's own policy in the fan-out (``subscriptions.fanout``).

Extension point: a new kind is one entry in ``KINDS`` and, for the items it follows,
either one function in ``PRODUCT_MATCHERS`` / ``BRIEFING_MATCHERS`` that returns the keys
an item carries (computed in Python from the item), or, when the match depends on the
followed value (a saved search), one function in ``PRODUCT_SQL_MATCHERS`` /
``BRIEFING_SQL_MATCHERS`` that returns an SQL condition on ``Subscription`` the fan-out
ORs into its one follower query (so it stays a fixed number of statements). The
fan-out, the counts page and the Following page need no change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from flo_portal.agencies.models import Discipline
from flo_portal.products.models import ProductType
from flo_portal.users.audience import Audience

Key = tuple[str, str]


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    for_products: bool = True
    for_briefings: bool = True


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("topic", "Topic"),
        Kind("product_type", "Product type", for_briefings=False),
        Kind("region", "Region"),
        Kind("discipline", "Discipline"),
        Kind("agency", "Agency"),
        Kind("search", "Saved search", for_briefings=False),
    )
}


def normal_text(value: str) -> str:
    """A topic or region as it is matched: trimmed, single-spaced, lower-case."""
    return " ".join((value or "").split()).lower()


def _topics(text: str) -> list[str]:
    return [t for t in (normal_text(p) for p in (text or "").split(",")) if t]


def _audience_keys(aud: Audience) -> list[Key]:
    return (
        [("region", normal_text(r)) for r in aud.regions]
        + [("discipline", str(d)) for d in aud.disciplines]
        + [("agency", str(i)) for i in aud.agency_ids]
    )


def _product_keys(product) -> list[Key]:
    from flo_portal.products.policies import product_effective_audience

    return [
        *(("topic", t) for t in _topics(product.topics)),
        ("product_type", str(product.product_type)),
        *_audience_keys(product_effective_audience(product)),
    ]


def _briefing_keys(briefing) -> list[Key]:
    return [
        *(("topic", t) for t in _topics(briefing.topic)),
        *_audience_keys(Audience.from_json(briefing.audience)),
    ]


def _saved_searches_matching_product(product):
    """SQL on Subscription: a saved search the product's search document matches, by the
    search's own matching (``search.queries.document_matches``)."""
    from flo_portal.search.queries import document_matches
    from flo_portal.subscriptions.models import Subscription

    return sa.and_(
        Subscription.kind == "search",
        document_matches("product", product.id, Subscription.value),
    )


PRODUCT_MATCHERS: list[Callable[[object], Iterable[Key]]] = [_product_keys]
BRIEFING_MATCHERS: list[Callable[[object], Iterable[Key]]] = [_briefing_keys]
PRODUCT_SQL_MATCHERS: list[Callable[[object], Any]] = [_saved_searches_matching_product]
BRIEFING_SQL_MATCHERS: list[Callable[[object], Any]] = []


def keys_of(item, matchers) -> list[Key]:
    """The distinct (kind, value) keys ``item`` carries, in a stable order."""
    return sorted({key for match in matchers for key in match(item)})


def value_label(kind: str, value: str, agency_names: dict[int, str] | None = None) -> str:
    """How a followed value reads on a page."""
    if kind == "product_type":
        try:
            return ProductType(value).label
        except ValueError:
            return value
    if kind == "discipline":
        try:
            return Discipline(value).label
        except ValueError:
            return value
    if kind == "agency":
        return (agency_names or {}).get(int(value), f"Agency #{value}")
    return value
