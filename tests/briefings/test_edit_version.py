"""Concurrent edits of a briefing never lose a change (issue 10, item 10).

The same mechanism as tests/core/test_lost_update.py: the edit form carries the
briefing's version; a stale save answers 409 with both values and the typed input kept.
"""

from __future__ import annotations

from bench.harness import signed_in_client
from flo_portal.briefings.models import Briefing
from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from tests.briefings.factories import make_briefing
from tests.core.test_lost_update import (
    assert_a_racing_save_gets_the_conflict_page,
    assert_conflict_page,
    assert_saved_nothing_without_version,
    edit_form_values,
    load_form,
)


def _two_editors(app, make_user):
    one, other = make_user(Role.COORDINATOR), make_user(Role.COORDINATOR)
    flo = make_user(Role.LIAISON_OFFICER)
    b = make_briefing(one, user_ids=[flo.id], presenter="Analyst Reyes")
    return b.id, signed_in_client(app, one), signed_in_client(app, other)


def test_the_second_stale_briefing_save_gets_a_conflict_page_and_loses_nothing(app, make_user):
    briefing_id, first, second = _two_editors(app, make_user)
    url = f"/briefings/{briefing_id}/edit"
    form_first, form_second = load_form(first, url), load_form(second, url)
    assert form_first["version"] == form_second["version"] == ["1"]

    r = first.post(url, data={**form_first, "presenter": "Saved by the first"})
    assert r.status_code == 302, r.get_data(as_text=True)

    r = second.post(
        url,
        data={**form_second, "presenter": "Typed by the second", "location": "Room 9"},
    )
    page = assert_conflict_page(r, "Saved by the first", "Typed by the second")
    # Every value the second typed is still in the form.
    assert 'value="Room 9"' in page
    # Each field the second typed differently from what is saved, and no other.
    assert page.count('<td class="conflict-theirs">') == 2
    assert '<td class="conflict-theirs">Fusion center, room 2</td>' in page
    db.session.expire_all()
    saved = db.session.get(Briefing, briefing_id)
    assert saved.presenter == "Saved by the first"
    assert saved.location == "Fusion center, room 2"

    # Re-saving from the conflict page is deliberate and applies on top of the current row.
    again = edit_form_values(page)
    assert again["version"] == ["2"]
    r = second.post(url, data=again)
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Briefing, briefing_id)
    assert (saved.presenter, saved.location) == ("Typed by the second", "Room 9")
    assert saved.version == 3


def test_a_stale_briefing_form_that_changes_nothing_is_not_a_conflict(app, make_user):
    briefing_id, first, second = _two_editors(app, make_user)
    url = f"/briefings/{briefing_id}/edit"
    form_first, form_second = load_form(first, url), load_form(second, url)
    assert first.post(url, data={**form_first, "topic": "Drones"}).status_code == 302
    # The second typed the same change: nothing of anyone's would be lost.
    assert second.post(url, data={**form_second, "topic": "Drones"}).status_code == 302


def test_a_briefing_edit_without_its_version_saves_nothing(app, make_user):
    briefing_id, first, _ = _two_editors(app, make_user)
    url = f"/briefings/{briefing_id}/edit"
    assert_saved_nothing_without_version(first, url, presenter="Someone else")
    assert db.session.get(Briefing, briefing_id).presenter == "Analyst Reyes"


def test_a_briefing_save_racing_another_at_flush_gets_the_conflict_page(app, make_user):
    """The other save commits on its own connection after this request checked the
    version and before it writes: version_id_col catches it, and the app's one
    StaleDataError handler answers with the conflict page and the typed input."""
    briefing_id, first, _ = _two_editors(app, make_user)
    url = f"/briefings/{briefing_id}/edit"
    assert_a_racing_save_gets_the_conflict_page(first, url, Briefing, briefing_id, "presenter")


def test_scheduling_a_new_briefing_needs_no_version(app, make_user):
    coordinator = make_user(Role.COORDINATOR)
    flo = make_user(Role.LIAISON_OFFICER)
    client = signed_in_client(app, coordinator)
    r = client.get("/briefings/new")
    assert r.status_code == 200
    assert 'name="version"' not in r.get_data(as_text=True)
    r = client.post(
        "/briefings/new",
        data={
            "title": "New one",
            "starts": "2030-03-20T09:00",
            "ends": "2030-03-20T10:00",
            "timezone": "America/New_York",
            "mode": "in_person",
            "location": "Room 1",
            "user_ids": [str(flo.id)],
            "recurrence": "none",
            "occurrences": "1",
            "credit_course_id": "0",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
