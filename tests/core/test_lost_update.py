"""Concurrent edits never lose a change (issue 10, item 10).

Two coordinators open the same edit form; the first saves; the second's save answers 409
with a page that shows both values and keeps what the second typed, and the database
keeps the first's change until the second deliberately saves again.
"""

from __future__ import annotations

import threading
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from bench.harness import signed_in_client
from flo_portal.agencies.models import Agency
from flo_portal.core.extensions import db
from flo_portal.products.models import Product
from flo_portal.roster import services as roster_services
from flo_portal.roster.models import Officer
from flo_portal.security.permissions import Role
from flo_portal.training.models import TrainingCourse
from tests.factories import AgencyFactory
from tests.markers import needs_postgres
from tests.products.helpers import draft
from tests.roster.factories import CourseFactory, OfficerFactory


class _FormValues(HTMLParser):
    """What a browser would submit for each POST form on a page."""

    def __init__(self):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form = True
            self.forms.append([])
        if not self._in_form:
            return
        values = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name and a.get("type") != "submit":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    values.append((name, a.get("value") or "y"))
                return
            values.append((name, a.get("value") or ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            values.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            values.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            name, text = self.forms[-1][-1]
            self.forms[-1][-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._textarea = None
            name, text = self.forms[-1][-1]
            # A browser drops the line break that opens a textarea's content (CR LF too).
            self.forms[-1][-1] = (
                name,
                text[2:] if text.startswith("\r\n") else text.removeprefix("\n"),
            )
        elif tag == "form":
            self._in_form = False


def edit_form_values(html: str) -> dict[str, list[str]]:
    """The values of the page's form that carries a ``version`` (the edit form)."""
    parser = _FormValues()
    parser.feed(html)
    form = next(f for f in parser.forms if any(name == "version" for name, _ in f))
    values: dict[str, list[str]] = {}
    for name, value in form:
        values.setdefault(name, []).append(value)
    return values


def post_while_another_save_commits(client, url, data, model, row_id, **theirs):
    """POST ``data`` while a second connection commits ``theirs`` to the same row after the
    request checked the form's version and before it writes (its first flush of a
    ``model``). Returns the response and whether the other save happened."""
    table = model.__table__
    raced: list[bool] = []

    def other_save_commits_first(session, flush_context, instances):
        if raced or not any(isinstance(o, model) for o in session.dirty):
            return
        raced.append(True)
        with db.engine.begin() as other:
            other.execute(sa.update(table).where(table.c.id == row_id).values(**theirs, version=2))

    sa.event.listen(db.session, "before_flush", other_save_commits_first)
    try:
        return client.post(url, data=data), raced
    finally:
        sa.event.remove(db.session, "before_flush", other_save_commits_first)


def load_form(client, url: str) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.data
    return edit_form_values(response.get_data(as_text=True))


def assert_saved_nothing_without_version(client, url: str, **changes: str) -> None:
    """The edit form posted without its version field (a stale page, a crafted post) is
    refused with 422 asking for a reload; the caller then checks the row is unchanged."""
    values = load_form(client, url)
    del values["version"]
    r = client.post(url, data={**values, **changes})
    assert r.status_code == 422
    assert "reload the page" in r.get_data(as_text=True)
    db.session.expire_all()


def assert_conflict_page(response, theirs: str, yours: str) -> str:
    """The stale save was answered with the conflict page: 409, what is saved and what
    the user typed side by side, and the typed value kept in the form. Returns the page."""
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    assert "Someone else saved a change" in page
    assert f'<td class="conflict-theirs">{theirs}</td>' in page
    assert f'<td class="conflict-yours">{yours}</td>' in page
    assert f'value="{yours}"' in page
    return page


def assert_a_racing_save_gets_the_conflict_page(client, url, model, row_id, field):
    """Load the edit form at ``url``, type into ``field`` and save while another
    connection saves ``field`` first: the conflict page shows theirs beside the typed
    input, and theirs is what is stored."""
    values = load_form(client, url)
    r, raced = post_while_another_save_commits(
        client,
        url,
        {**values, field: "Typed by me"},
        model,
        row_id,
        **{field: "Saved by the other"},
    )
    page = r.get_data(as_text=True)
    assert raced
    assert r.status_code == 409, page
    assert '<td class="conflict-theirs">Saved by the other</td>' in page
    assert 'value="Typed by me"' in page
    db.session.expire_all()
    assert getattr(db.session.get(model, row_id), field) == "Saved by the other"


# Each returns (object, the text field both edit, the two editors).
def _officer(make_user):
    editors = make_user(Role.COORDINATOR), make_user(Role.COORDINATOR)
    return OfficerFactory(rank_title="Sergeant"), "rank_title", editors


def _agency(make_user):
    editors = make_user(Role.COORDINATOR), make_user(Role.COORDINATOR)
    return AgencyFactory(jurisdiction="Ash County"), "jurisdiction", editors


def _course(make_user):
    editors = make_user(Role.COORDINATOR), make_user(Role.COORDINATOR)
    return CourseFactory(provider="State Academy"), "provider", editors


def _product(make_user):
    author = make_user(Role.ANALYST)
    # A draft is its author's until submitted: the author in two tabs.
    return draft(author, caveats="Internal only"), "caveats", (author, author)


def _contact(make_user):
    # The FLO edits their own contact details while a coordinator edits the same ones.
    agency = AgencyFactory()
    flo = make_user(Role.LIAISON_OFFICER, agency=agency)
    officer = OfficerFactory(agency=agency, user_id=flo.id, phone="555-0100")
    return officer, "phone", (make_user(Role.COORDINATOR), flo)


CASES = {
    "officer": (_officer, Officer, "/roster/officers/{id}/edit"),
    "agency": (_agency, Agency, "/agencies/{id}/edit"),
    "course": (_course, TrainingCourse, "/training/courses/{id}/edit"),
    "product draft": (_product, Product, "/products/{id}/edit"),
    "officer contact": (_contact, Officer, "/roster/officers/{id}/contact"),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_the_second_stale_save_gets_a_conflict_page_and_loses_nothing(app, make_user, kind):
    build, model, url_pattern = CASES[kind]
    obj, field, (one, other) = build(make_user)
    db.session.commit()
    obj_id = obj.id
    url = url_pattern.format(id=obj_id)
    first, second = signed_in_client(app, one), signed_in_client(app, other)

    form_first = load_form(first, url)
    form_second = load_form(second, url)
    assert form_first["version"] == form_second["version"]

    r = first.post(url, data={**form_first, field: "Saved by the first"})
    assert r.status_code == 302, r.get_data(as_text=True)

    r = second.post(url, data={**form_second, field: "Typed by the second"})
    # The second user's input is still in the form, to be re-saved on purpose.
    page = assert_conflict_page(r, "Saved by the first", "Typed by the second")
    db.session.expire_all()
    assert getattr(db.session.get(model, obj_id), field) == "Saved by the first"

    # Re-saving the kept input from the conflict page applies it on top of the current row.
    again = edit_form_values(page)
    assert again["version"] != form_second["version"]
    r = second.post(url, data=again)
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    assert getattr(db.session.get(model, obj_id), field) == "Typed by the second"


def test_a_stale_form_that_changes_nothing_is_not_a_conflict(app, make_user):
    agency = AgencyFactory(jurisdiction="Ash County")
    db.session.commit()
    url = f"/agencies/{agency.id}/edit"
    first = signed_in_client(app, make_user(Role.COORDINATOR))
    second = signed_in_client(app, make_user(Role.COORDINATOR))
    form_first, form_second = load_form(first, url), load_form(second, url)
    assert first.post(url, data={**form_first, "region": "North"}).status_code == 302
    # The second typed the same change: nothing of anyone's would be lost.
    assert second.post(url, data={**form_second, "region": "North"}).status_code == 302


def test_an_edit_form_without_its_version_saves_nothing(app, make_user, client, login_as):
    agency = AgencyFactory(jurisdiction="Ash County")
    db.session.commit()
    url = f"/agencies/{agency.id}/edit"
    login_as(Role.COORDINATOR)
    assert_saved_nothing_without_version(client, url, jurisdiction="Elm County")
    assert db.session.get(Agency, agency.id).jurisdiction == "Ash County"


@needs_postgres
def test_two_simultaneous_saves_of_the_same_version_one_wins(app, make_user):
    """Both transactions read version 1 and update at the same instant, on their own
    PostgreSQL connections: version_id_col lets exactly one commit; the other raises."""
    coordinator = make_user(Role.COORDINATOR)
    officer = OfficerFactory(rank_title="Sergeant")
    db.session.commit()
    officer_id, coordinator_id = officer.id, coordinator.id
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def worker(rank: str) -> None:
        with app.app_context():
            try:
                row = db.session.get(Officer, officer_id)
                actor = db.session.get(type(coordinator), coordinator_id)
                assert row.version == 1
                barrier.wait(timeout=30)
                roster_services.update_officer(row, actor, {"rank_title": rank})
                db.session.commit()
                outcomes[rank] = "won"
            except StaleDataError:
                db.session.rollback()
                outcomes[rank] = "stale"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(r,)) for r in ("Lieutenant", "Captain")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values()) == ["stale", "won"], outcomes
    db.session.expire_all()
    saved = db.session.get(Officer, officer_id)
    winner = next(rank for rank, outcome in outcomes.items() if outcome == "won")
    assert saved.rank_title == winner
    assert saved.version == 2


def test_a_save_racing_another_at_flush_gets_the_conflict_page(app, make_user, client, login_as):
    """The other save commits, on its own connection, after this request read the row and
    before it writes: the form's version matched, so only version_id_col catches it, and
    the one StaleDataError handler answers with the conflict page and the typed input."""
    agency = AgencyFactory(jurisdiction="Ash County")
    db.session.commit()
    agency_id = agency.id
    url = f"/agencies/{agency_id}/edit"
    login_as(Role.COORDINATOR)
    assert_a_racing_save_gets_the_conflict_page(client, url, Agency, agency_id, "jurisdiction")
