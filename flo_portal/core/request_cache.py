"""Reads made once per request: ``@per_request`` memoises a query function by its
arguments for the current request, on ``flask.g`` like Flask-Login's user and the session
row of ``auth.session_rules``.

Several parts of one page ask the same question (the dashboard's roster and SAR cards both
need the viewer's roster entry; the officer profile's onboarding check and its agreements
section both need the current FLO agreements). The memo is tied to the request object, so
it never outlives the request, even where the app context does (tests, CLI-driven
clients), and it is dropped when the session flushes: a read never outlives a write of
the same request. Outside a request the function simply runs.

``note`` / ``noted`` / ``forget`` keep a value read along with another statement (the
navigation's unread count and the agreements gate's answer, read in the signed-in user's
own statement by ``auth.session_rules.load_user``), so the function that would ask for it
need not. A flush does not drop a noted value (every audited page flushes): the writers of
what it depends on call ``forget``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import g, has_request_context, request

F = TypeVar("F", bound=Callable[..., Any])

_KEY = "flo_request_cache"  # g: (the request, {(function, *arguments): value})
_NOTED = "flo_request_noted"  # g: (the request, {name: (owner, value)})


def _of_this_request(name: str) -> dict:
    """The dict kept on ``g`` under ``name`` for the current request (a new one when ``g``
    holds another request's: the app context may outlive a request)."""
    current = request._get_current_object()  # type: ignore[attr-defined]
    holder = g.get(name)
    if holder is None or holder[0] is not current:
        holder = (current, {})
        setattr(g, name, holder)
    return holder[1]


def per_request(fn: F) -> F:
    """Memoise ``fn`` (positional, hashable arguments) for the current request."""

    @functools.wraps(fn)
    def cached(*args):
        if not has_request_context():
            return fn(*args)
        memo = _of_this_request(_KEY)
        key = (fn, *args)
        if key not in memo:
            memo[key] = fn(*args)
        return memo[key]

    return cached  # type: ignore[return-value]


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _forget_after_write(_session, _context) -> None:
    if has_request_context():
        g.pop(_KEY, None)


def note(name: str, owner: Any, value: Any) -> None:
    """Keep ``value`` as ``name`` of ``owner`` (e.g. a user id) for the current request;
    the first noted value stands."""
    if has_request_context():
        _of_this_request(_NOTED).setdefault(name, (owner, value))


def noted(name: str, owner: Any, default: Any = None) -> Any:
    """The value noted as ``name`` of ``owner`` in this request, else ``default``."""
    if not has_request_context():
        return default
    kept = _of_this_request(_NOTED).get(name)
    return kept[1] if kept is not None and kept[0] == owner else default


def forget(name: str) -> None:
    """Drop the value noted as ``name`` (its source was written: it is asked again)."""
    if has_request_context():
        _of_this_request(_NOTED).pop(name, None)
