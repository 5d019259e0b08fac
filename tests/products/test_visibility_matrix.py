"""The dissemination matrix: TLP label × audience form × viewer, through the feed, the
detail page, the attachment download and search; SQL and Python policies agree.

Expected visibility is written out independently of the policy code, from the rule
documented in flo_portal/products/policies.py.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flo_portal.agencies.models import Discipline
from flo_portal.core.extensions import db
from flo_portal.products.models import Product, Tlp
from flo_portal.products.policies import can_view_product, visible_products_condition
from flo_portal.security.permissions import Role
from tests.conftest import sign_in
from tests.factories import AgencyFactory
from tests.products.helpers import attach_pdf, draft, publish

FORMS = ["all_flos", "agency", "discipline", "region", "named"]
VIEWERS = [
    "flo_same_agency",
    "head_same_agency",
    "flo_other_agency",
    "named_other_agency",
    "inactive_same_agency",
    "coordinator",
    "analyst",
    "privacy_officer",
    "author",
    "admin",
]


def expected(tlp: Tlp, form: str, viewer: str) -> bool:
    if viewer in ("coordinator", "author"):
        return True  # coordinators publish and disseminate; the author wrote it
    if viewer in ("analyst", "privacy_officer"):
        # Center staff who may read products see every published one except TLP:RED,
        # which is for named recipients (these two are neither named nor its reviewer).
        return tlp != Tlp.RED
    if viewer in ("admin", "inactive_same_agency"):
        return False
    # Who the audience form reaches. Agency A is law enforcement in region North; the
    # other agency B is fire in region South; the named person works for B.
    reached = {
        "all_flos": {
            "flo_same_agency",
            "head_same_agency",
            "flo_other_agency",
            "named_other_agency",
        },
        "agency": {"flo_same_agency", "head_same_agency"},
        "discipline": {"flo_same_agency", "head_same_agency"},
        "region": {"flo_same_agency", "head_same_agency"},
        "named": {"named_other_agency"},
    }[form]
    if tlp == Tlp.RED:
        return form == "named" and viewer in reached
    if tlp == Tlp.AMBER_STRICT:
        return form in ("agency", "named") and viewer in reached
    return viewer in reached


@pytest.fixture
def world(make_user):
    a = AgencyFactory(discipline=Discipline.LAW_ENFORCEMENT, region="North")
    b = AgencyFactory(discipline=Discipline.FIRE, region="South")
    people = {
        "flo_same_agency": make_user(Role.LIAISON_OFFICER, agency=a),
        "head_same_agency": make_user(Role.AGENCY_HEAD, agency=a),
        "flo_other_agency": make_user(Role.LIAISON_OFFICER, agency=b),
        "named_other_agency": make_user(Role.LIAISON_OFFICER, agency=b),
        "inactive_same_agency": make_user(Role.LIAISON_OFFICER, agency=a, is_active_account=False),
        "coordinator": make_user(Role.COORDINATOR),
        "analyst": make_user(Role.ANALYST),
        "privacy_officer": make_user(Role.PRIVACY_OFFICER),
        "admin": make_user(Role.ADMIN),
    }
    author = make_user(Role.ANALYST)
    people["author"] = author
    audiences = {
        "all_flos": {"all_flos": True},
        "agency": {"agency_ids": [a.id]},
        "discipline": {"disciplines": [Discipline.LAW_ENFORCEMENT.value]},
        "region": {"regions": ["North"]},
        "named": {"user_ids": [people["named_other_agency"].id]},
    }
    return people, author, audiences


def _visible_by_sql(user) -> set[int]:
    return set(db.session.scalars(sa.select(Product.id).where(visible_products_condition(user))))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("tlp", list(Tlp), ids=lambda t: t.value)
def test_visibility_matrix(app, world, tlp, form):
    people, author, audiences = world
    product = draft(
        author,
        tlp=tlp.value,
        audience=audiences[form],
        title=f"Matrix zebrafinch {tlp.value} {form}",
    )
    att = attach_pdf(product, author)
    publish(product, people["coordinator"])
    ref = product.reference

    for name in VIEWERS:
        user = people[name]
        want = expected(tlp, form, name)
        # the one rule, both forms
        assert can_view_product(user, product) is want, (name, "python")
        assert (product.id in _visible_by_sql(user)) is want, (name, "sql")

        client = app.test_client()
        sign_in(client, user)
        if name in ("inactive_same_agency",):
            # an inactive account is signed out before any page
            assert client.get(f"/products/{product.id}").status_code in (302, 401, 403)
            continue
        if name == "admin":
            assert client.get("/products/").status_code == 403
            assert client.get(f"/products/{product.id}").status_code == 403
            assert client.get(f"/products/{product.id}/attachments/{att.id}").status_code == 403
            continue
        feed = client.get("/products/")
        assert feed.status_code == 200
        assert (ref.encode() in feed.data) is want, (name, "feed")
        found = client.get("/products/?q=zebrafinch")
        assert found.status_code == 200
        assert (ref.encode() in found.data) is want, (name, "search")
        page = client.get(f"/products/{product.id}")
        assert page.status_code == (200 if want else 404), (name, "page")
        if want:
            assert page.data.count(tlp.value.encode()) >= 2  # banner top and bottom
        download = client.get(f"/products/{product.id}/attachments/{att.id}")
        assert download.status_code == (200 if want else 404), (name, "download")
        if want:
            assert download.data.startswith(b"%PDF-")


def test_drafts_are_seen_only_by_those_who_handle_them(app, world, make_user):
    people, author, _audiences = world
    product = draft(author, audience={"all_flos": True})
    other_analyst = people["analyst"]
    assert can_view_product(author, product)
    assert not can_view_product(other_analyst, product)
    assert not can_view_product(people["coordinator"], product)  # not yet submitted
    assert not can_view_product(people["flo_same_agency"], product)
    from flo_portal.products import services

    services.transition(product, "submit", author)
    db.session.commit()
    assert can_view_product(people["coordinator"], product)  # coordinators publish
    assert not can_view_product(people["privacy_officer"], product)  # no privacy review asked
    assert not can_view_product(people["flo_same_agency"], product)
    for user in (
        author,
        people["coordinator"],
        other_analyst,
        people["flo_same_agency"],
    ):
        assert (product.id in _visible_by_sql(user)) is can_view_product(user, product)


def test_withdrawn_products_disappear_for_recipients(app, world):
    people, author, _audiences = world
    product = publish(draft(author, audience={"all_flos": True}), people["coordinator"])
    from flo_portal.products import services

    services.transition(product, "withdraw", people["coordinator"], "Source recalled the report")
    db.session.commit()
    assert not can_view_product(people["flo_same_agency"], product)
    assert product.id not in _visible_by_sql(people["flo_same_agency"])
    assert can_view_product(people["coordinator"], product)


def test_group_forms_do_not_reach_users_of_inactive_agencies(app, make_user, world):
    people, author, _ = world
    closed = AgencyFactory(discipline=Discipline.LAW_ENFORCEMENT, region="North", active=False)
    flo_closed = make_user(Role.LIAISON_OFFICER, agency=closed)
    product = publish(draft(author, audience={"all_flos": True}), people["coordinator"])
    assert not can_view_product(flo_closed, product)
    assert product.id not in _visible_by_sql(flo_closed)


def test_red_reaches_center_staff_only_when_named_reviewer_author_or_coordinator(
    app, world, make_user
):
    """TLP:RED is for named recipients: an analyst or privacy officer who is not named,
    not its author and not its privacy reviewer does not see it (nor its attachments)."""
    from flo_portal.products import services

    people, author, _ = world
    named_analyst = make_user(Role.ANALYST)
    other_privacy = make_user(Role.PRIVACY_OFFICER)
    product = draft(
        author,
        tlp=Tlp.RED.value,
        title="Red kestrel source report",
        audience={"user_ids": [people["named_other_agency"].id, named_analyst.id]},
        privacy_review_requested=True,
    )
    att = attach_pdf(product, author)
    services.transition(product, "submit", author)
    services.transition(product, "privacy_approve", people["privacy_officer"], "Nexus clear")
    services.transition(product, "publish", people["coordinator"])
    db.session.commit()

    sees = {
        "coordinator": people["coordinator"],
        "author": author,
        "reviewer": people["privacy_officer"],
        "named analyst": named_analyst,
        "named FLO": people["named_other_agency"],
    }
    blind = {
        "other analyst": people["analyst"],
        "other privacy officer": other_privacy,
        "unnamed FLO": people["flo_other_agency"],
        "admin": people["admin"],
    }
    for label, user in {**sees, **blind}.items():
        want = label in sees
        assert can_view_product(user, product) is want, (label, "python")
        assert (product.id in _visible_by_sql(user)) is want, (label, "sql")

    for user in (people["analyst"], other_privacy):
        client = app.test_client()
        sign_in(client, user)
        assert client.get(f"/products/{product.id}").status_code == 404
        assert client.get(f"/products/{product.id}/attachments/{att.id}").status_code == 404
        assert b"Red kestrel" not in client.get("/products/?q=kestrel").data

    # Withdrawn, it stays out of their reach too; the coordinator still sees it.
    services.transition(product, "withdraw", people["coordinator"], "Source recalled")
    db.session.commit()
    assert not can_view_product(people["analyst"], product)
    assert product.id not in _visible_by_sql(people["analyst"])
    assert can_view_product(people["coordinator"], product)
    assert product.id in _visible_by_sql(people["coordinator"])
