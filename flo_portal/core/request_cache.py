"""Reads made once per request: ``@per_request`` memoises a query function by its
arguments for the current request, on ``flask.g`` like Flask-Login's user and the session
row of ``auth.session_rules``.

Several parts of one page ask the same question (the dashboard's roster and SAR cards both
need the viewer's roster entry; the officer profile's onboarding check and its agreements
section both need the current FLO agreements). The memo is tied to the request object, so
it never outlives the request, even where the app context does (tests, CLI-driven
clients), and it is dropped when the session flushes: a read never outlives a write of
the same request. Outside a request the function simply runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import g, has_request_context, request

F = TypeVar("F", bound=Callable[..., Any])

_KEY = "flo_request_cache"  # g: (the request, {(function, *arguments): value})


def per_request(fn: F) -> F:
    """Memoise ``fn`` (positional, hashable arguments) for the current request."""

    @functools.wraps(fn)
    def cached(*args):
        if not has_request_context():
            return fn(*args)
        current = request._get_current_object()  # type: ignore[attr-defined]
        holder = g.get(_KEY)
        if holder is None or holder[0] is not current:
            holder = (current, {})
            setattr(g, _KEY, holder)
        memo = holder[1]
        key = (fn, *args)
        if key not in memo:
            memo[key] = fn(*args)
        return memo[key]

    return cached  # type: ignore[return-value]


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _forget_after_write(_session, _context) -> None:
    if has_request_context():
        g.pop(_KEY, None)
