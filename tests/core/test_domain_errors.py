"""One hierarchy of domain errors: statuses, field messages, and placement on a form."""

from __future__ import annotations

from flo_portal.core.errors import Conflict, DomainError, InputError, NotFound, Refused, Stale
from flo_portal.core.formtools import PortalForm, show_error


def test_statuses_and_fields():
    assert [c.status for c in (InputError, Refused, NotFound, Conflict, Stale)] == [
        422,
        403,
        404,
        409,
        409,
    ]
    assert issubclass(Stale, Conflict) and all(
        issubclass(c, DomainError) for c in (InputError, Refused, NotFound, Conflict)
    )
    err = InputError("Too long.", field="title")
    assert err.fields == {"title": ["Too long."]} and str(err) == "Too long."
    assert Refused().message == "You may not do that."


def test_show_error_puts_the_message_on_its_field_or_the_form(app):
    from wtforms import StringField

    class F(PortalForm):
        title = StringField()

    with app.test_request_context("/", method="POST"):
        form = F(meta={"csrf": False})
        show_error(form, InputError("Too long.", field="title"))
        assert form.title.errors == ["Too long."]
        show_error(form, Conflict("Already closed."))
        assert "Already closed." in form.form_errors
