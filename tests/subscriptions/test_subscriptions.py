"""Following topics, types, regions, disciplines and agencies, and being told: in-app
and by e-mail at once, or in the daily digest; never beyond what the item's own policy
lets the follower see."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from bench.harness import sign_in
from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.notifications.digest import send_daily_digests
from flo_portal.notifications.models import OutboxEmail
from flo_portal.products import services as product_services
from flo_portal.security.permissions import Role
from flo_portal.subscriptions.models import Subscription
from flo_portal.users.audience import Audience
from tests.briefings.factories import make_briefing
from tests.factories import AgencyFactory, notices
from tests.products.helpers import draft, product_data, publish, staff
from tests.subscriptions.helpers import follow, following_mails

TITLE = "Copper theft from rail signal boxes"


def test_follow_a_topic_on_the_page_and_be_told_in_app_and_by_mail(client, login_as, make_user):
    people = staff(make_user)
    flo = login_as(Role.LIAISON_OFFICER, timezone="UTC")
    page = client.get("/following/")
    assert page.status_code == 200 and "You follow nothing yet." in page.text

    response = client.post("/following/", data={"kind": "topic", "value": "  Rail "})
    assert response.status_code == 302
    page = client.get("/following/")
    assert 'id="followed"' in page.text and "rail" in page.text
    assert db.session.scalars(sa.select(Subscription.value)).all() == ["rail"]
    assert db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.action == "subscription.followed")
    )

    product = publish(
        draft(people["author"], title=TITLE, topics="Theft, RAIL"), people["coordinator"]
    )
    told = notices(flo, "following.product")
    assert len(told) == 1
    assert TITLE in told[0].title and told[0].link == f"/products/{product.id}"
    [mail] = following_mails(flo)
    # GREEN: the e-mail may carry the title (core.tlp.email_may_carry_text).
    assert TITLE in mail.subject and mail.kind == "following.product"
    # The in-app list shows it.
    assert "Following — [TLP:GREEN]" in client.get("/notifications/").text


def test_amber_mail_carries_only_the_marking(make_user):
    people = staff(make_user)
    flo = make_user(Role.LIAISON_OFFICER)
    follow(flo, "topic", "rail")
    product = publish(
        draft(people["author"], tlp="TLP:AMBER", audience={"agency_ids": [flo.agency_id]}),
        people["coordinator"],
    )
    assert TITLE in notices(flo, "following.product")[0].title
    [mail] = following_mails(flo)
    assert TITLE not in mail.subject + mail.body_text
    assert product.reference in mail.subject and "[TLP:AMBER]" in mail.subject
    assert "Sign in to read it:" in mail.body_text


def test_revision_tells_followers_again(make_user):
    people = staff(make_user)
    flo = make_user(Role.LIAISON_OFFICER)
    follow(flo, "product_type", "Bulletin")
    product = publish(draft(people["author"]), people["coordinator"])
    product_services.update_product(
        product, product_data(summary="New facts."), people["coordinator"], "New facts"
    )
    db.session.commit()
    titles = sorted(n.title for n in notices(flo, "following.product"))
    assert len(titles) == 2 and any(t.startswith("Following — Updated (v2)") for t in titles)
    assert len(following_mails(flo)) == 2


def test_region_discipline_and_agency_follows_match_the_audience(make_user):
    people = staff(make_user)
    coastal = AgencyFactory(region="Coastal")
    by_region = make_user(Role.LIAISON_OFFICER, agency=coastal)
    by_agency = make_user(Role.LIAISON_OFFICER, agency=coastal)
    by_discipline = make_user(Role.LIAISON_OFFICER, agency=coastal)
    unrelated = make_user(Role.LIAISON_OFFICER, agency=coastal)
    follow(by_region, "region", "coastal")
    follow(by_agency, "agency", str(coastal.id))
    follow(by_discipline, "discipline", "Law enforcement")
    follow(unrelated, "region", "Northern")
    publish(
        draft(
            people["author"],
            topics="",
            audience={
                "regions": ["Coastal"],
                "agency_ids": [coastal.id],
                "disciplines": ["law_enforcement"],
            },
        ),
        people["coordinator"],
    )
    for user in (by_region, by_agency, by_discipline):
        assert len(notices(user, "following.product")) == 1
    assert notices(unrelated, "following.product") == []


def test_daily_digest_choice_keeps_the_mail_for_the_morning(client, login_as, make_user):
    people = staff(make_user)
    flo = login_as(Role.LIAISON_OFFICER, timezone="UTC")
    follow(flo, "topic", "rail")
    response = client.post("/following/delivery", data={"delivery": "digest"})
    assert response.status_code == 302
    assert re.search(r'<input checked[^>]*value="digest"', client.get("/following/").text)

    publish(draft(people["author"]), people["coordinator"])
    assert len(notices(flo, "following.product")) == 1  # in-app at once
    assert following_mails(flo) == []  # no e-mail now

    now = utcnow()
    morning = now.replace(hour=7, minute=0, second=0, microsecond=0)
    if morning <= now:
        morning += timedelta(days=1)
    send_daily_digests(morning)
    db.session.commit()
    [digest] = db.session.scalars(
        sa.select(OutboxEmail).where(
            OutboxEmail.to_address == flo.email, OutboxEmail.kind == "digest"
        )
    ).all()
    assert "Products and briefings matching what you follow" in digest.body_text


def test_a_follower_outside_the_audience_gets_nothing(make_user):
    """A subscription never widens: the fan-out keeps only those the policy lets see it."""
    people = staff(make_user)
    inside = make_user(Role.LIAISON_OFFICER)
    outside = make_user(Role.LIAISON_OFFICER)  # another agency
    gone = make_user(Role.LIAISON_OFFICER, agency=inside.agency, is_active_account=False)
    admin = make_user(Role.ADMIN)  # no product:read at all
    analyst = make_user(Role.ANALYST)  # center staff: sees released non-RED products
    for user in (inside, outside, gone, admin, analyst):
        follow(user, "topic", "rail")
    publish(
        draft(people["author"], tlp="TLP:AMBER", audience={"agency_ids": [inside.agency_id]}),
        people["coordinator"],
    )
    assert len(notices(inside, "following.product")) == 1
    assert len(notices(analyst, "following.product")) == 1
    for user in (outside, gone, admin):
        assert notices(user, "following.product") == []
        assert following_mails(user) == []

    # TLP:RED: named people only; among staff the coordinator, not other analysts.
    coordinator_follows = follow(people["coordinator"], "topic", "rail")
    assert coordinator_follows.id
    publish(
        draft(people["author"], title="Red one", tlp="TLP:RED", audience={"user_ids": [inside.id]}),
        people["coordinator"],
    )
    red = [n for n in notices(analyst, "following.product") if "Red one" in n.title]
    assert red == []
    assert any("Red one" in n.title for n in notices(inside, "following.product"))
    assert any("Red one" in n.title for n in notices(people["coordinator"], "following.product"))
    assert not any("Red one" in n.title for n in notices(outside, "following.product"))


def test_briefing_followers_are_told_only_when_invited_or_staff(make_user):
    coordinator = make_user(Role.COORDINATOR)
    invited = make_user(Role.LIAISON_OFFICER)
    not_invited = make_user(Role.LIAISON_OFFICER)
    analyst = make_user(Role.ANALYST)
    for user in (invited, not_invited, analyst):
        follow(user, "topic", "Cyber")
    b = make_briefing(
        coordinator, topic="cyber, ransomware", audience=Audience(agency_ids=[invited.agency_id])
    )
    assert [n.link for n in notices(invited, "following.briefing")] == [f"/briefings/{b.id}"]
    assert len(notices(analyst, "following.briefing")) == 1
    assert notices(not_invited, "following.briefing") == []
    assert len(following_mails(invited)) == 1


def test_unfollow_and_someone_elses_subscription(client, login_as, make_user):
    other = make_user(Role.LIAISON_OFFICER)
    theirs = follow(other, "topic", "rail")
    me = login_as(Role.LIAISON_OFFICER)
    mine = follow(me, "topic", "rail")
    assert client.post(f"/following/{theirs.id}/remove").status_code == 404
    assert client.post(f"/following/{mine.id}/remove").status_code == 302
    assert db.session.scalars(sa.select(Subscription.user_id)).all() == [other.id]


def test_bad_input_re_renders_with_422_and_stores_nothing(client, login_as, make_user):
    login_as(Role.LIAISON_OFFICER)
    foreign = AgencyFactory(name="Someone Else PD")
    db.session.commit()
    for data, message in (
        ({"kind": "product_type", "value": "gossip"}, "There is no such product type to follow."),
        ({"kind": "discipline", "value": "astrology"}, "There is no such discipline to follow."),
        ({"kind": "agency", "value": str(foreign.id)}, "There is no such agency to follow."),
        ({"kind": "bogus", "value": "x"}, "Not a valid choice"),
        ({"kind": "topic", "value": ""}, "Enter what to follow."),
        ({"kind": "topic", "value": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"kind": "topic", "value": "rail\x00"}, "Control character not allowed"),
    ):
        response = client.post("/following/", data=data)
        assert response.status_code == 422, data
        assert message in response.text, (data, response.text[:200])
    response = client.post("/following/delivery", data={"delivery": "sometimes"})
    assert response.status_code == 422 and "Not a valid choice" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == 0


def test_follower_counts_page(app, client, login_as, make_user):
    for _ in range(2):
        follow(make_user(Role.LIAISON_OFFICER), "topic", "rail")
    follow(make_user(Role.LIAISON_OFFICER, is_active_account=False), "topic", "rail")
    lone = make_user(Role.LIAISON_OFFICER)
    follow(lone, "agency", str(lone.agency_id))
    login_as(Role.COORDINATOR)
    page = client.get("/following/counts")
    assert page.status_code == 200
    assert '<td>Topic</td><td>rail</td><td class="text-end">2</td>' in page.text
    assert f'<td>Agency</td><td>{lone.agency.name}</td><td class="text-end">1</td>' in page.text
    for role in (Role.LIAISON_OFFICER, Role.AGENCY_HEAD, Role.PRIVACY_OFFICER, Role.ADMIN):
        other = app.test_client()
        sign_in(other, make_user(role))
        assert other.get("/following/counts").status_code == 403, role


def test_follow_buttons_on_a_product_page(client, login_as, make_user):
    people = staff(make_user)
    flo = login_as(Role.LIAISON_OFFICER)
    product = publish(draft(people["author"]), people["coordinator"])
    page = client.get(f"/products/{product.id}")
    assert "Follow theft" in page.text and "Follow Bulletin" in page.text
    response = client.post(
        "/following/",
        data={"kind": "topic", "value": "theft", "next": f"/products/{product.id}"},
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/products/{product.id}"
    assert "Following theft" in client.get(f"/products/{product.id}").text
    assert [
        s.value
        for s in db.session.scalars(sa.select(Subscription).where(Subscription.user_id == flo.id))
    ] == ["theft"]
