"""Audit events for reads: what was listed, searched or exported, and what was refused.

Two helpers, used by every feature:

* ``audit_listing(kind, filters, count)`` on every list page, search, CSV export and
  API list: who, which filters by *name* (plus the value of enumerated filters the
  caller names in ``values``), how many rows. Never the search text: an analyst's
  search terms are sensitive in their own right and may name a person.
* ``refuse(obj)`` in every object loader that answers 404/403 for an object that
  exists but that the viewer may not see. An id that names no row is a plain 404 and
  leaves no event (it says nothing about anyone's data).

A listing event is written by ``write_read_events``, a hook of the unit of work
(``core/unit_of_work.py``), once the page has rendered and just before the request's one
commit: a commit never expires the rows a template is still reading, the chain's lock is
held for one insert, and a request that fails (status 400 or more) records no listing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from flask import abort, g, has_request_context, request

from flo_portal.audit.services import record

_PENDING = "_flo_read_audit_pending"
_REFUSED = "_flo_read_audit_refused"
# How a list is ordered or paged is not a filter.
_NOT_FILTERS = frozenset({"sort", "page", "per_page", "limit", "cursor"})


def _active(value: Any) -> bool:
    if value is None:  # False is a filter: "?current=false" asks for those not current
        return False
    if isinstance(value, str | bytes | list | tuple | set | frozenset | dict):
        return len(value) > 0
    return True


def viewer() -> Any:
    """The signed-in user of this request (None outside a request or when signed out):
    who saw a listing or was refused an object. Read here, when the event is noted, so
    the event names its actor explicitly when it is written."""
    if not has_request_context():
        return None
    from flask_login import current_user

    if not current_user.is_authenticated:
        return None
    return current_user._get_current_object()


def audit_listing(
    kind: str,
    filters: Mapping[str, Any],
    count: int | None,
    *,
    values: Iterable[str] = (),
    listing: str = "list",
    export: bool = False,
    page: int | None = None,
    actor: Any = None,
    counts: Mapping[str, int] | None = None,
) -> None:
    """Record that the viewer (``actor``, else the signed-in user) listed, searched or
    exported ``kind`` rows.

    ``filters`` maps each filter's name to what the user asked for; only the names of
    those in use are kept. ``values`` names the enumerated filters (status, TLP, ...)
    whose chosen value is kept too; never name a free-text filter there. ``count`` is
    the number of rows matched (for keyset API lists: rows on this page); ``counts``, for
    a listing over several kinds (the portal search), the number matched of each.
    """
    used = [name for name, value in filters.items() if name not in _NOT_FILTERS and _active(value)]
    # Capped: an unvalidated query-string value must not smuggle text into the trail.
    kept_values = {name: str(filters[name])[:40] for name in values if name in used}
    if export:
        verb = "exported"
    elif used:
        verb = "searched"
    else:
        verb = "listed"
    details: dict[str, Any] = {"filters": used, "results": count, "listing": listing}
    if kept_values:
        details["values"] = kept_values
    if page is not None:
        details["page"] = page
    if counts is not None:
        details["counts"] = dict(counts)
    if has_request_context():
        details["via"] = "api" if request.path.startswith("/api/") else "page"
    summary = f"{kind} {listing} {verb}"
    if used:
        summary += f" ({', '.join(used)})"
    summary += f": {count} rows"
    event: dict[str, Any] = {
        "action": f"{kind}.{verb}",
        "summary": summary,
        "details": details,
        "object_type": kind,
        "object_id": listing,
        "actor": actor if actor is not None else viewer(),
    }
    if has_request_context():
        # Written after the response is built (write_read_events): the chain's lock is
        # then held for one insert, not for the whole rendering of the page.
        g.setdefault(_PENDING, []).append(event)
    else:
        record(**event)


def refuse(
    obj: Any, status: int = 404, *, object_type: str | None = None, actor: Any = None
) -> NoReturn:
    """Answer ``status`` for ``obj``; record ``access.refused`` when ``obj`` exists.

    ``obj`` is the row the viewer asked for (``None`` when the id names no row: then a
    bare 404 and no event). The request fails, so the unit of work rolls back whatever it
    did, then ``write_refusals`` records the refusal and it is committed on its own.
    """
    if obj is None:
        abort(404)
    otype = object_type or obj.__tablename__
    details: dict[str, Any] = {"status": status}
    if has_request_context():
        details.update(endpoint=request.endpoint or "", method=request.method)
    event = {
        "action": "access.refused",
        "summary": f"Refused {otype} {obj.id} ({status})",
        "details": details,
        "object_type": otype,
        "object_id": obj.id,
        "actor": actor if actor is not None else viewer(),
    }
    if has_request_context():
        g.setdefault(_REFUSED, []).append(event)
    else:
        record(**event)
    abort(status)


def write_read_events() -> None:
    """Unit of work, before the commit of a request that succeeded: its listing events."""
    for event in g.pop(_PENDING, None) or ():
        record(**event)
    g.pop(_REFUSED, None)


def write_refusals() -> bool:
    """Unit of work, after the rollback of a request that failed: its refusals (a failed
    request records no listing)."""
    g.pop(_PENDING, None)
    events = g.pop(_REFUSED, None) or ()
    for event in events:
        record(**event)
    return bool(events)
