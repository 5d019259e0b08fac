"""The one way an object's page takes the POST of one of its workflow buttons (SAR
vetting, redress review): parse the action, check the note form, make the transition,
and on a refusal or an input error show the page again with the message and nothing of
the request kept."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from flask import abort, flash, redirect

from flo_portal.core.display import code_label
from flo_portal.core.errors import InputError
from flo_portal.core.formtools import show_error
from flo_portal.core.unit_of_work import discard
from flo_portal.core.workflow import TransitionRefused

EXPIRED = "The form expired or was tampered with. Go back, reload the page and retry."


def action_forms(transitions, form_cls, posted=None, *, note_field: str | None = None):
    """Each transition the page offers with its form: the one the user posted (``posted``,
    an ``(action, form)`` pair) on its own action's card, an empty one on the others.
    With ``note_field``, that field is labelled with the transition's ``note_label``."""
    kept_action, kept_form = posted or (None, None)
    pairs = []
    for t in transitions:
        if t.action == kept_action and kept_form is not None:
            form = kept_form
        else:
            form = form_cls(formdata=None, prefix=t.action.value)
        if note_field:
            getattr(form, note_field).label.text = t.note_label
        pairs.append((t, form))
    return pairs


def posted_transition(
    action: str,
    case,
    *,
    actions: type[Enum],
    form_cls: type,
    perform: Callable,
    render: Callable,
    url: str,
):
    """Take the POST of ``action`` on ``case``'s page: the form is ``form_cls`` under the
    action's prefix, ``perform(act, form)`` makes the change, ``render(case, status=,
    posted=, error=)`` shows the page again (``posted``, the action and the user's form,
    which a refusal does not keep), and success says the case's new state and goes back
    to ``url``."""
    try:
        act = actions(action)
    except ValueError:
        abort(404)
    form = form_cls(prefix=act.value)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400, EXPIRED)
        return render(case, status=422, posted=(act, form), error="Please correct the form below.")
    try:
        perform(act, form)
    except TransitionRefused as exc:  # 409 not in this state, 403 not for this user
        discard()
        return render(case, status=exc.status, posted=None, error=str(exc))
    except InputError as exc:
        show_error(form, exc)
        return render(case, status=exc.status, posted=(act, form), error=str(exc))
    flash(f"{case.reference}: {code_label(case.status).lower()}.", "success")
    return redirect(url)
