"""The one way an object's page takes the POST of one of its workflow buttons (SAR
vetting, redress review): parse the action, check the note form, make the transition,
and on a refusal or an input error show the page again with the message and nothing of
the request kept."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from flask import abort

from flo_portal.core.errors import InputError
from flo_portal.core.formtools import show_error
from flo_portal.core.unit_of_work import discard
from flo_portal.core.workflow import TransitionRefused

EXPIRED = "The form expired or was tampered with. Go back, reload the page and retry."


def posted_transition(
    action: str,
    *,
    actions: type[Enum],
    form_for: Callable,
    perform: Callable,
    show: Callable,
    done: Callable,
):
    """``form_for(act)`` builds the posted form, ``perform(act, form)`` makes the change,
    ``show(status=, act=, form=, error=)`` renders the page again (``form`` None: a
    refusal, the user's form is not kept), ``done()`` answers the success (a redirect)."""
    try:
        act = actions(action)
    except ValueError:
        abort(404)
    form = form_for(act)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400, EXPIRED)
        return show(status=422, act=act, form=form, error="Please correct the form below.")
    try:
        perform(act, form)
    except TransitionRefused as exc:  # 409 not in this state, 403 not for this user
        discard()
        return show(status=exc.status, act=act, form=None, error=str(exc))
    except InputError as exc:
        show_error(form, exc)
        return show(status=exc.status, act=act, form=form, error=str(exc))
    return done()
