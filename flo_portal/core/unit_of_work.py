"""The unit of work: one place commits, for a request, a job or a CLI command.

Services change state, record their audit events and flush; they never commit. The unit
of work around them commits once when they succeed and rolls back when they fail:

* a **request**: ``PortalFlask.dispatch_request`` runs the view, builds its response
  (templates render before the commit, so no row expires under them), then commits when
  the status is below 400 and rolls back otherwise, on any exception (the exception then
  goes on to the error handlers) or when the view called ``discard()`` (a form shown
  again with a service's message); a view that answers an error status but whose writes
  are the point calls ``keep()`` (a failed sign-in, 401, still counts toward the
  lock-out). Hooks registered with ``before_commit`` run just before the commit (the
  audit trail's listing events); hooks registered with ``after_failure`` run after the
  rollback and may write what a failed request must still keep (a refused
  access), which is then committed on its own;
* a **job** or a **CLI command**: ``with transaction():`` around the work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g

from flo_portal.core.extensions import db

_BEFORE_COMMIT = "flo_uow_before_commit"
_AFTER_FAILURE = "flo_uow_after_failure"
_DISCARDED = "flo_uow_discarded"
_KEPT = "flo_uow_kept"


def discard() -> None:
    """This request keeps nothing it did, whatever status it answers: a form shown again
    with a service's error. The session rolls back now, so the page shows the stored state
    (not a service's half-done change), and the request commits nothing at its end."""
    g.setdefault(_DISCARDED, True)
    db.session.rollback()


def keep() -> None:
    """This request commits what it did although it answers an error status: a failed
    sign-in or password check (401/422) still counts toward the lock-out and stays in
    the audit trail. ``discard()`` wins over it; an exception still rolls back."""
    g.setdefault(_KEPT, True)


def before_commit(app: Flask, hook: Callable[[], None]) -> None:
    app.extensions.setdefault(_BEFORE_COMMIT, []).append(hook)


def after_failure(app: Flask, hook: Callable[[], bool]) -> None:
    """``hook()`` runs after a failed request's rollback; it returns True when it wrote
    something that must be committed."""
    app.extensions.setdefault(_AFTER_FAILURE, []).append(hook)


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block did when it succeeds; roll back when it raises."""
    try:
        yield
        db.session.commit()  # inside: a commit that fails (a unique key) rolls back too
    except BaseException:
        db.session.rollback()
        raise


def _succeeded() -> None:
    for hook in current_app.extensions.get(_BEFORE_COMMIT, ()):
        hook()
    db.session.commit()


def _failed() -> None:
    db.session.rollback()
    wrote = False
    for hook in current_app.extensions.get(_AFTER_FAILURE, ()):
        wrote = hook() or wrote
    if wrote:
        db.session.commit()


class PortalFlask(Flask):
    """Flask with the request's unit of work around every view."""

    def dispatch_request(self):  # type: ignore[override]
        # The flag belongs to this dispatch only (an app context, and so ``g``, can outlive
        # one request: a test's, or a re-dispatch after a stale edit).
        g.pop(_DISCARDED, None)
        g.pop(_KEPT, None)
        try:
            response = self.make_response(super().dispatch_request())
        except BaseException:
            g.pop(_DISCARDED, None)
            g.pop(_KEPT, None)
            _failed()
            raise
        kept = g.pop(_KEPT, False)
        if not g.pop(_DISCARDED, False) and (response.status_code < 400 or kept):
            try:
                _succeeded()
            except BaseException:
                _failed()
                raise
        else:
            _failed()
        return response
