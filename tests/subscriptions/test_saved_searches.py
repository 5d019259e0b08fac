"""Following a saved search: saved from the results page, matched by the search index's
own matching when a product is published or revised, told like any other follow, listed
on /following/ and in the coordinators' counts, and never beyond the product's policy."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.products import services as product_services
from flo_portal.security.permissions import Role
from flo_portal.subscriptions.models import Subscription
from tests.factories import AgencyFactory, notices
from tests.products.helpers import draft, product_data, publish, staff
from tests.subscriptions.helpers import follow, following_mails


def test_follow_this_search_from_the_results_page(client, login_as, make_user):
    flo = login_as(Role.LIAISON_OFFICER)
    page = client.get("/search?q=Copper+THEFT!")
    assert page.status_code == 200 and "Follow this search" in page.text
    response = client.post(
        "/following/",
        data={"kind": "search", "value": "copper theft", "next": "/search?q=Copper+THEFT!"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?q=Copper+THEFT!"
    [sub] = db.session.scalars(sa.select(Subscription).where(Subscription.user_id == flo.id))
    assert (sub.kind, sub.value) == ("search", "copper theft")
    again = client.get("/search?q=copper  theft")
    assert "You follow this search" in again.text and "Follow this search" not in again.text
    # Listed on /following/ (a link back to the search) and removable there.
    following = client.get("/following/")
    assert "<td>Saved search</td>" in following.text
    assert 'href="/search?q=copper+theft">copper theft</a>' in following.text
    assert client.post(f"/following/{sub.id}/remove").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == 0


def test_no_follow_button_without_a_word(client, login_as):
    login_as(Role.LIAISON_OFFICER)
    assert "Follow this search" not in client.get("/search?q=%21%21").text
    response = client.post("/following/", data={"kind": "search", "value": "!! --"})
    assert response.status_code == 422 and "Enter a word to search for." in response.text
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == 0


def test_a_matching_product_tells_the_follower_in_app_and_by_mail(make_user):
    people = staff(make_user)
    flo = make_user(Role.LIAISON_OFFICER)
    other = make_user(Role.LIAISON_OFFICER)
    follow(flo, "search", "signal boxes")  # in the title and the summary, stemmed
    follow(other, "search", "signal drones")  # not every word is there: no match
    product = publish(draft(people["author"], topics=""), people["coordinator"])
    [told] = notices(flo, "following.product")
    assert told.link == f"/products/{product.id}"
    [mail] = following_mails(flo)
    assert mail.kind == "following.product"
    assert notices(other, "following.product") == []


def test_a_revision_that_starts_to_match_tells_the_follower(make_user):
    people = staff(make_user)
    flo = make_user(Role.LIAISON_OFFICER)
    follow(flo, "search", "drones")
    product = publish(draft(people["author"], topics=""), people["coordinator"])
    assert notices(flo, "following.product") == []
    product_services.update_product(
        product,
        product_data(topics="", summary="Thieves now use drones to scout."),
        people["coordinator"],
        "Drones",
    )
    db.session.commit()
    [told] = notices(flo, "following.product")
    assert told.title.startswith("Following — Updated (v2)")


def test_a_saved_search_never_widens_what_the_follower_sees(make_user):
    people = staff(make_user)
    inside, outside = AgencyFactory(), AgencyFactory()
    db.session.commit()
    invited = make_user(Role.LIAISON_OFFICER, agency=inside)
    not_invited = make_user(Role.LIAISON_OFFICER, agency=outside)
    analyst = make_user(Role.ANALYST)
    for user in (invited, not_invited, analyst):
        follow(user, "search", "copper")
    publish(
        draft(people["author"], tlp="TLP:AMBER", topics="", audience={"agency_ids": [inside.id]}),
        people["coordinator"],
    )
    assert len(notices(invited, "following.product")) == 1
    assert len(notices(analyst, "following.product")) == 1
    assert notices(not_invited, "following.product") == []
    assert following_mails(not_invited) == []


def test_saved_searches_in_the_follower_counts(client, login_as, make_user):
    for _ in range(2):
        follow(make_user(Role.LIAISON_OFFICER), "search", "Copper theft")
    login_as(Role.COORDINATOR)
    page = client.get("/following/counts")
    assert '<td>Saved search</td><td>copper theft</td><td class="text-end">2</td>' in page.text
