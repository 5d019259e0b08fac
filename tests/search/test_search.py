"""The portal search: results per kind, each kind's visibility rule, an index kept
current on every write and rebuilt by the CLI, safe highlighting, the audit event, and
input that never fails (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from flo_portal.agencies.models import Agency
from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.search.models import SearchDocument
from flo_portal.security.permissions import Role
from flo_portal.training.models import TrainingCourse
from tests.briefings.factories import make_briefing
from tests.products.helpers import draft, publish, staff
from tests.rfis.helpers import submit
from tests.sar.helpers import file_sar


def _search(client, q, **args):
    return client.get("/search", query_string={"q": q, **args})


def _kinds(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-kind="(\w+)"', html))


def _course(code, title, provider=""):
    course = TrainingCourse(code=code, title=title, provider=provider, validity_months=24)
    db.session.add(course)
    db.session.commit()
    return course


def test_a_coordinator_finds_each_kind_with_a_link_to_its_page(client, login_as, make_user):
    people = staff(make_user)
    flo = make_user(Role.LIAISON_OFFICER)
    agency = db.session.get(Agency, flo.agency_id)
    agency.jurisdiction = "Zephyr county"
    db.session.add(
        Officer(
            agency_id=flo.agency_id,
            first_name="Zephyr",
            last_name="Stone",
            discipline="law_enforcement",
            status=OfficerStatus.ACTIVE,
        )
    )
    db.session.commit()
    rfi = submit(flo, title="Zephyr tanker sightings")
    product = publish(draft(people["author"], title="Zephyr bulletin"), people["coordinator"])
    briefing = make_briefing(
        people["coordinator"], user_ids=[flo.id], title="Zephyr threat picture"
    )
    sar = file_sar(flo, observed="A zephyr drone circled the plant twice.")
    course = _course("ZEP-1", "Zephyr awareness")

    login_as(people["coordinator"])
    page = _search(client, "zephyr")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert _kinds(html) == {"officer", "agency", "rfi", "product", "briefing", "sar", "course"}
    for href in (
        f"/rfis/{rfi.id}",
        f"/products/{product.id}",
        f"/briefings/{briefing.id}",
        f"/sar/{sar.id}",
        f"/agencies/{agency.id}",
        "/training/courses",
    ):
        assert f'href="{href}"' in html
    assert "<mark>" in html and course.title in html


def test_a_flo_never_sees_another_agencys_rfi_nor_its_count(client, login_as, make_user):
    me = make_user(Role.LIAISON_OFFICER)
    colleague = make_user(Role.LIAISON_OFFICER, agency=me.agency)
    stranger = make_user(Role.LIAISON_OFFICER)
    mine = submit(colleague, title="Harbor tanker sightings")
    theirs = submit(stranger, title="Harbor tanker thefts")
    submit(stranger, title="Harbor tanker at night")

    login_as(me)
    html = _search(client, "harbor tanker").get_data(as_text=True)
    assert f'href="/rfis/{mine.id}"' in html and f'href="/rfis/{theirs.id}"' not in html
    assert 'RFIs <span class="badge text-bg-secondary">1</span>' in html
    only = _search(client, "thefts").get_data(as_text=True)
    assert "rfi" not in _kinds(only) and "Nothing you may open matches" in only
    # Nor through the one-kind page and its counts.
    paged = _search(client, "harbor", kind="rfi").get_data(as_text=True)
    assert "1</span>" in paged and f'href="/rfis/{theirs.id}"' not in paged
    # An FLO has no roster-wide or vetting view: those kinds are not searched at all.
    assert _kinds(_search(client, "harbor").get_data(as_text=True)) <= {"rfi", "officer"}


def test_the_index_follows_create_edit_and_delete(client, login_as, make_user):
    course = _course("OLD-1", "Quartz handling")
    assert (
        db.session.scalar(
            sa.select(SearchDocument.title).where(
                SearchDocument.kind == "course", SearchDocument.object_id == course.id
            )
        )
        == "OLD-1 Quartz handling"
    )
    login_as(Role.COORDINATOR)
    assert "course" in _kinds(_search(client, "quartz").get_data(as_text=True))

    course.title = "Basalt handling"
    db.session.commit()
    assert "course" not in _kinds(_search(client, "quartz").get_data(as_text=True))
    assert "course" in _kinds(_search(client, "basalt").get_data(as_text=True))

    db.session.delete(course)
    db.session.commit()
    assert "course" not in _kinds(_search(client, "basalt").get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchDocument)) == 0


def test_flask_search_rebuild_restores_the_index(app, client, login_as):
    _course("REB-1", "Obsidian safety")
    _course("REB-2", "Granite safety")
    db.session.execute(sa.delete(SearchDocument))
    db.session.commit()
    login_as(Role.COORDINATOR)
    assert "course" not in _kinds(_search(client, "obsidian").get_data(as_text=True))

    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "course: 2" in result.output
    db.session.expire_all()
    assert "course" in _kinds(_search(client, "obsidian").get_data(as_text=True))
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "search.rebuilt"))
    assert event.details["counts"]["course"] == 2


def test_snippets_escape_the_stored_text_and_mark_only_the_match(client, login_as):
    _course("XSS-1", "<script>alert(1)</script> onyx course", provider="<b>Onyx</b> & co")
    login_as(Role.COORDINATOR)
    html = _search(client, "onyx").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<b>Onyx" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>onyx</mark>" in html.lower()


def test_the_audit_event_keeps_kinds_and_counts_never_the_terms(client, login_as):
    _course("AUD-1", "Jasper intake")
    login_as(Role.COORDINATOR)
    _search(client, "jasper secretname")
    _search(client, "jasper")
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "search.searched").order_by(AuditEvent.id)
    ).all()
    assert len(events) == 2
    assert events[0].details["counts"]["course"] == 0
    assert events[1].details["counts"]["course"] == 1 and events[1].details["results"] >= 1
    for event in events:
        text = json.dumps(event.details) + event.summary + event.object_id
        assert "jasper" not in text.lower() and "secretname" not in text


def test_one_kind_is_paginated_with_its_count(client, login_as):
    for n in range(25):
        db.session.add(TrainingCourse(code=f"PG-{n:02d}", title="Cobalt drill", validity_months=1))
    db.session.commit()
    login_as(Role.COORDINATOR)
    overview = _search(client, "cobalt").get_data(as_text=True)
    assert overview.count('data-kind="course"') == 5 and "All 25 training courses" in overview
    page2 = _search(client, "cobalt", kind="course", page=2).get_data(as_text=True)
    assert page2.count('data-kind="course"') == 5 and "25 in all" in page2
    beyond = _search(client, "cobalt", kind="course", page=9).get_data(as_text=True)
    assert beyond.count('data-kind="course"') == 0


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "x" * 5000,
        " ".join(["word"] * 400),
        '"',
        '"unbalanced',
        "NEAR(a b)",
        "NEAR",
        "*",
        "foo*",
        "-",
        "-foo",
        "a AND OR NOT",
        "title:foo",
        "^foo",
        "'); DROP TABLE rfi; --",
        "(((",
        "été à Zürich",
        "!@#$%^&*()",
        "a:b|c&d",
    ],
)
def test_bad_input_never_fails(client, login_as, q):
    _course("BAD-1", "Foo drill")
    login_as(Role.COORDINATOR)
    for args in ({}, {"kind": "course"}, {"kind": "nonsense", "page": "abc"}):
        page = _search(client, q, **args)
        assert page.status_code == 200, (q, args)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    page = client.get("/search?q=anything")
    assert page.status_code in (302, 401)


def test_the_navigation_has_the_search_box(client, login_as):
    login_as(Role.LIAISON_OFFICER)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'role="search"' in html and 'action="/search"' in html and 'name="q"' in html


def _officer(agency_id, first, last, user_id=None):
    officer = Officer(
        agency_id=agency_id,
        user_id=user_id,
        first_name=first,
        last_name=last,
        discipline="law_enforcement",
        status=OfficerStatus.ACTIVE,
    )
    db.session.add(officer)
    db.session.commit()
    return officer


def test_officers_follow_the_roster_rule(client, login_as, make_user):
    head = make_user(Role.AGENCY_HEAD)
    flo = make_user(Role.LIAISON_OFFICER, agency=head.agency)
    other = make_user(Role.LIAISON_OFFICER)
    own = _officer(head.agency_id, "Wren", "Marlow", user_id=flo.id)
    colleague = _officer(head.agency_id, "Wren", "Ashby")
    stranger = _officer(other.agency_id, "Wren", "Colter")

    login_as(head)
    html = _search(client, "wren").get_data(as_text=True)
    assert f"/roster/officers/{own.id}" in html and f"/roster/officers/{colleague.id}" in html
    assert f"/roster/officers/{stranger.id}" not in html
    client.get("/auth/logout")
    login_as(flo)  # an FLO sees their own record only
    html = _search(client, "wren").get_data(as_text=True)
    assert f"/roster/officers/{own.id}" in html
    assert f"/roster/officers/{colleague.id}" not in html
    assert 'Officers <span class="badge text-bg-secondary">1</span>' in html


def test_a_capped_count_says_so():
    from flo_portal.search.kinds import BY_NAME
    from flo_portal.search.queries import CAP, KindResult

    assert KindResult(BY_NAME["rfi"], CAP, []).shown_total == f"{CAP}+"
    assert KindResult(BY_NAME["rfi"], 7, []).shown_total == "7"
    # The first page's smaller cap (search.routes.OVERVIEW_CAP): "100+", never "150+".
    assert KindResult(BY_NAME["rfi"], 150, [], 100).shown_total == "100+"


def test_an_analyst_finds_a_red_rfi_only_as_a_participant(client, login_as, make_user):
    from flo_portal.rfis.models import Tlp
    from flo_portal.users.audience import Audience
    from tests.rfis.helpers import task

    flo, coordinator = make_user(Role.LIAISON_OFFICER), make_user(Role.COORDINATOR)
    analyst = login_as(Role.ANALYST)
    assigned = submit(flo, title="Zeppelin assigned", tlp=Tlp.RED)
    assigned.assignee_id = analyst.id
    hidden = submit(flo, title="Zeppelin hidden", tlp=Tlp.RED)
    amber = submit(flo, title="Zeppelin amber", tlp=Tlp.AMBER)
    addressed = task(coordinator, Audience(user_ids=[analyst.id]), title="Zeppelin task")
    addressed.tlp = Tlp.RED
    db.session.commit()
    html = _search(client, "zeppelin", kind="rfi").get_data(as_text=True)
    for seen in (assigned, amber, addressed):
        assert f"/rfis/{seen.id}" in html
    assert f"/rfis/{hidden.id}" not in html
    assert 'RFIs <span class="badge text-bg-secondary">3</span>' in html


def test_every_kind_has_its_own_gin_index_on_postgresql():
    from flo_portal.search.kinds import KINDS
    from flo_portal.search.models import TSV_INDEX

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the GIN indexes are PostgreSQL's; SQLite searches its FTS5 table")
    rows = db.session.execute(
        sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_document'")
    ).all()
    defs = dict(rows)
    for kind in KINDS:
        index = defs.get(f"{TSV_INDEX}_{kind.name}", "")
        assert "gin (tsv)" in index and f"'{kind.name}'" in index, (kind.name, defs)


@pytest.mark.parametrize("few_matches", [0, None], ids=["walk the newest", "ids first"])
def test_a_partner_finds_only_the_products_that_reach_them_by_either_plan(
    client, login_as, make_user, monkeypatch, few_matches
):
    # On PostgreSQL a product search reads the ids of a few matches first and applies the
    # dissemination rule to them alone (search.queries.FEW_MATCHES); with many it walks the
    # newest matches. Both must give the same, policy-filtered results and count.
    from flo_portal.search import queries

    if few_matches is not None:
        monkeypatch.setattr(queries, "FEW_MATCHES", few_matches)
    people = staff(make_user)
    flo = make_user(Role.LIAISON_OFFICER)
    elsewhere = make_user(Role.LIAISON_OFFICER)
    ours = [
        publish(
            draft(people["author"], title=f"Quokka bulletin {n}", audience=audience),
            people["coordinator"],
        )
        for n, audience in enumerate(
            [{"agency_ids": [flo.agency_id]}, {"all_flos": True}, {"user_ids": [flo.id]}]
        )
    ]
    theirs = publish(
        draft(
            people["author"],
            title="Quokka bulletin elsewhere",
            audience={"agency_ids": [elsewhere.agency_id]},
        ),
        people["coordinator"],
    )
    unpublished = draft(people["author"], title="Quokka draft", audience={"all_flos": True})

    login_as(flo)
    html = _search(client, "quokka", kind="product").get_data(as_text=True)
    for product in ours:
        assert f'href="/products/{product.id}"' in html
    assert f'href="/products/{theirs.id}"' not in html
    assert f'href="/products/{unpublished.id}"' not in html
    assert 'Products <span class="badge text-bg-secondary">3</span>' in html
    # A word only the others hold: no result and no count.
    none = _search(client, "elsewhere", kind="product").get_data(as_text=True)
    assert f'href="/products/{theirs.id}"' not in none and "Nothing you may open matches" in none
