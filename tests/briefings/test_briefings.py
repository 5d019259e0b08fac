"""Scheduling, invitations, RSVP with waitlist, cancel, attendance credit, calendar files."""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar
import sqlalchemy as sa
import time_machine

from flo_portal.briefings.models import (
    Briefing,
    BriefingInvitation,
    Recurrence,
    RsvpStatus,
)
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification, OutboxEmail
from flo_portal.security.permissions import Role
from tests.briefings.factories import make_briefing
from tests.factories import audit_events
from tests.roster.factories import CourseFactory, OfficerFactory

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)


def test_schedule_form_stores_utc_invites_audience_and_shows_viewer_zone(
    app, client, login_as, make_user
):
    coord = login_as(Role.COORDINATOR)
    flo = make_user(Role.LIAISON_OFFICER, timezone="America/Los_Angeles")
    other = make_user(Role.LIAISON_OFFICER)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            "/briefings/new",
            data={
                "title": "Drone threats to stadiums",
                "topic": "UAS",
                "presenter": "SA Kim",
                "starts": "2030-03-12T09:00",
                "ends": "2030-03-12T11:00",
                "timezone": "America/New_York",
                "mode": "in_person",
                "location": "Fusion center, room 2",
                "agency_ids": [str(flo.agency_id)],
                "recurrence": "none",
                "occurrences": "1",
                "credit_course_id": "0",
            },
        )
    assert response.status_code == 302, response.data[:2000]
    b = db.session.scalars(sa.select(Briefing)).one()
    # 09:00 EDT (DST began 10 March 2030) is 13:00 UTC.
    assert b.starts_at == datetime(2030, 3, 12, 13, 0, tzinfo=UTC)
    invited = db.session.scalars(sa.select(BriefingInvitation.user_id)).all()
    assert invited == [flo.id] and other.id not in invited
    notice = db.session.scalars(sa.select(Notification).where(Notification.user_id == flo.id)).one()
    assert notice.kind == "briefing.invitation" and "06:00 PDT" in notice.body
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 1
    assert audit_events("briefing.created")
    page = client.get(f"/briefings/{b.id}")
    assert (
        b"09:00" in page.data and b"Drone threats" in page.data and coord.role == Role.COORDINATOR
    )


def test_schedule_form_rejects_bad_input_without_500(app, client, login_as):
    login_as(Role.COORDINATOR)
    response = client.post(
        "/briefings/new",
        data={
            "title": "x",
            "starts": "2030-03-12T11:00",
            "ends": "2030-03-12T09:00",
            "timezone": "Mars/Base",
            "mode": "virtual",
            "join_url": "javascript:alert(1)",
            "capacity": "-3",
            "occurrences": "99",
            "recurrence": "weekly",
            "credit_course_id": "abc",
            "agency_ids": ["nope"],
        },
    )
    assert response.status_code == 422
    assert b"The end must be after the start." in response.data
    assert b"http(s) link" in response.data
    assert db.session.scalar(sa.select(sa.func.count(Briefing.id))) == 0


def test_weekly_recurrence_keeps_wall_clock_across_dst(make_user):
    coord = make_user(Role.COORDINATOR)
    flo = make_user(Role.LIAISON_OFFICER)
    occurrences = make_briefing(
        coord,
        user_ids=[flo.id],
        start=datetime(2030, 3, 5, 9, 0),
        recurrence=Recurrence.WEEKLY,
        occurrences=3,
    )
    assert [b.local_start.hour for b in occurrences] == [9, 9, 9]
    assert [b.starts_at.hour for b in occurrences] == [14, 13, 13]  # EST, then EDT
    assert len({b.series_key for b in occurrences}) == 1
    assert db.session.scalar(sa.select(sa.func.count(BriefingInvitation.id))) == 3


def test_rsvp_waitlist_and_promotion_on_decline(app, client, login_as, make_user):
    coord = make_user(Role.COORDINATOR)
    a, b_, c = (make_user(Role.LIAISON_OFFICER) for _ in range(3))
    with time_machine.travel(NOW, tick=False):
        br = make_briefing(coord, user_ids=[a.id, b_.id, c.id], capacity=1)
        login_as(a)
        assert client.post(f"/briefings/{br.id}/rsvp", data={"answer": "yes"}).status_code == 302
        login_as(b_)
        client.post(f"/briefings/{br.id}/rsvp", data={"answer": "yes"})
        login_as(c)
        client.post(f"/briefings/{br.id}/rsvp", data={"answer": "yes"})
        page = client.get(f"/briefings/{br.id}")
        assert b"number 2 on the waitlist" in page.data
        status = dict(
            db.session.execute(
                sa.select(BriefingInvitation.user_id, BriefingInvitation.status)
            ).all()
        )
        assert status == {
            a.id: RsvpStatus.YES,
            b_.id: RsvpStatus.WAITLISTED,
            c.id: RsvpStatus.WAITLISTED,
        }
        login_as(a)
        client.post(f"/briefings/{br.id}/rsvp", data={"answer": "no"})
    db.session.expire_all()
    status = dict(
        db.session.execute(sa.select(BriefingInvitation.user_id, BriefingInvitation.status)).all()
    )
    assert status == {a.id: RsvpStatus.NO, b_.id: RsvpStatus.YES, c.id: RsvpStatus.WAITLISTED}
    told = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "briefing.waitlist")
    ).all()
    assert [n.user_id for n in told] == [b_.id]
    assert len(audit_events("briefing.rsvp")) == 4


def test_rsvp_bad_answer_and_uninvited_user(app, client, login_as, make_user):
    coord = make_user(Role.COORDINATOR)
    flo = make_user(Role.LIAISON_OFFICER)
    with time_machine.travel(NOW, tick=False):
        br = make_briefing(coord, user_ids=[flo.id])
        login_as(flo)
        response = client.post(
            f"/briefings/{br.id}/rsvp", data={"answer": "perhaps"}, follow_redirects=True
        )
        assert b"Answer yes, no or maybe." in response.data
        login_as(Role.LIAISON_OFFICER)  # not invited: the briefing does not exist for them
        assert client.get(f"/briefings/{br.id}").status_code == 404
        assert client.get(f"/briefings/{br.id}/calendar.ics").status_code == 404
        assert client.post(f"/briefings/{br.id}/rsvp", data={"answer": "yes"}).status_code == 404
        assert b"Threat picture" not in client.get("/briefings/").data


def test_cancel_tells_invitees_and_ics_says_cancelled(app, client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    with time_machine.travel(NOW, tick=False):
        coord = login_as(Role.COORDINATOR)
        br = make_briefing(coord, user_ids=[flo.id])
        response = client.post(f"/briefings/{br.id}/cancel", data={"reason": "Presenter deployed"})
        assert response.status_code == 302
        login_as(flo)
        cal = icalendar.Calendar.from_ical(client.get(f"/briefings/{br.id}/calendar.ics").data)
    event = next(iter(cal.walk("VEVENT")))
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 1
    notices = db.session.scalars(
        sa.select(Notification.title).where(Notification.user_id == flo.id)
    ).all()
    assert any(t.startswith("Cancelled:") for t in notices)
    assert audit_events("briefing.cancelled") and audit_events("briefing.ics_downloaded")


def test_feed_token_is_hashed_revocable_and_lists_cancellations(app, client, login_as, make_user):
    coord = make_user(Role.COORDINATOR)
    flo = login_as(Role.LIAISON_OFFICER)
    with time_machine.travel(NOW, tick=False):
        live = make_briefing(coord, user_ids=[flo.id], title="Live one")
        gone = make_briefing(
            coord, user_ids=[flo.id], title="Gone one", start=datetime(2030, 3, 13, 9, 0)
        )
        from flo_portal.briefings.services import cancel_briefing

        cancel_briefing(gone, "", coord)
        db.session.commit()
        client.post("/briefings/feed/new")
        page = client.get("/briefings/feed")
        import re

        url = re.search(rb'value="(http[^"]+\.ics)"', page.data).group(1).decode()
        token = url.rsplit("/", 1)[1][:-4]
        from flo_portal.briefings.models import CalendarFeedToken

        stored = db.session.scalars(sa.select(CalendarFeedToken.token_hash)).one()
        assert token not in stored and len(stored) == 64
        assert b"shown only now" not in client.get("/briefings/feed").data  # shown once
        anonymous = app.test_client()
        feed = anonymous.get(f"/briefings/feed/{token}.ics")
        assert feed.status_code == 200
        events = {
            str(e["SUMMARY"]): str(e["STATUS"])
            for e in icalendar.Calendar.from_ical(feed.data).walk("VEVENT")
        }
        assert events == {"Live one": "CONFIRMED", "CANCELLED: Gone one": "CANCELLED"}
        assert live.id
        client.post("/briefings/feed/revoke")
        assert anonymous.get(f"/briefings/feed/{token}.ics").status_code == 404
        assert anonymous.get("/briefings/feed/not-a-token.ics").status_code == 404


def test_attendance_credits_training_once(app, client, login_as, make_user):
    from flo_portal.training.models import TrainingRecord

    flo = make_user(Role.LIAISON_OFFICER)
    unlinked = make_user(Role.LIAISON_OFFICER, name="Unlinked Person")
    course = CourseFactory(code="CVE-AW", title="CVE awareness", hours=2, required=False)
    OfficerFactory(agency=flo.agency, user_id=flo.id, first_name="Jo", last_name="Lee")
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        coord = login_as(Role.COORDINATOR)
        br = make_briefing(
            coord,
            user_ids=[flo.id, unlinked.id],
            credit_course_id=course.id,
            start=datetime(2030, 3, 1, 7, 0),
        )
    with time_machine.travel(datetime(2030, 3, 1, 14, 0, tzinfo=UTC), tick=False):
        login_as(coord)  # the frozen clock moved: a fresh sign-in
        for _ in range(2):
            response = client.post(
                f"/briefings/{br.id}/attendance",
                data={"present": [str(flo.id), str(unlinked.id)]},
                follow_redirects=True,
            )
            assert response.status_code == 200
        assert b"1 already recorded" in response.data and b"Unlinked Person" in response.data
        assert (
            client.post(f"/briefings/{br.id}/attendance", data={"present": ["x"]}).status_code
            == 400
        )
    records = db.session.scalars(sa.select(TrainingRecord)).all()
    assert len(records) == 1
    assert records[0].completed_on == date(2030, 3, 1) and records[0].source == f"briefing:{br.id}"
    assert len(audit_events("briefing.attendance")) == 2


def test_month_and_list_views(app, client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    with time_machine.travel(NOW, tick=False):
        coord = login_as(Role.COORDINATOR)
        make_briefing(coord, user_ids=[flo.id], title="March briefing")
        month = client.get("/briefings/?view=month&month=2030-03")
        assert (
            month.status_code == 200
            and b"March briefing" in month.data
            and b"March 2030" in month.data
        )
        assert client.get("/briefings/?view=month&month=garbage").status_code == 200
        assert b"March briefing" in client.get("/briefings/").data
        assert b"March briefing" not in client.get("/briefings/?show=past").data


def test_dashboard_cards(client, login_as, make_user):
    coord = make_user(Role.COORDINATOR)
    flo = make_user(Role.LIAISON_OFFICER)
    make_briefing(coord, user_ids=[flo.id])
    login_as(flo)
    assert b"Briefings awaiting your answer" in client.get("/dashboard").data
    login_as(coord)
    assert b"Briefings in the next 30 days" in client.get("/dashboard").data


def test_edit_moves_time_tells_invitees_and_promotes_when_capacity_grows(
    client, login_as, make_user
):
    flo1, flo2 = make_user(Role.LIAISON_OFFICER), make_user(Role.LIAISON_OFFICER)
    coord = login_as(Role.COORDINATOR)
    br = make_briefing(coord, user_ids=[flo1.id, flo2.id], capacity=1)
    from flo_portal.briefings.services import rsvp

    for user in (flo1, flo2):
        inv = db.session.scalars(
            sa.select(BriefingInvitation).where(BriefingInvitation.user_id == user.id)
        ).one()
        rsvp(br, inv, "yes", user)
    db.session.commit()
    assert client.get(f"/briefings/{br.id}/edit").status_code == 200
    response = client.post(
        f"/briefings/{br.id}/edit",
        data={
            "title": br.title,
            "starts": "2030-03-12T10:00",
            "ends": "2030-03-12T12:00",
            "timezone": "America/New_York",
            "mode": "in_person",
            "location": "Room 5",
            "capacity": "2",
            "user_ids": [str(flo1.id), str(flo2.id)],
            "credit_course_id": "0",
            "version": str(br.version),  # the version the edit form was shown at
        },
    )
    assert response.status_code == 302, response.data[:1500]
    db.session.expire_all()
    b = db.session.get(Briefing, br.id)
    assert (
        b.sequence == 1
        and b.starts_at == datetime(2030, 3, 12, 14, 0, tzinfo=UTC)
        and b.location == "Room 5"
    )
    statuses = set(db.session.scalars(sa.select(BriefingInvitation.status)))
    assert statuses == {RsvpStatus.YES}
    changed = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "briefing.changed")
    ).all()
    assert sorted(changed) == sorted([flo1.id, flo2.id])
    assert audit_events("briefing.updated")
    bad = client.post(f"/briefings/{br.id}/edit", data={"title": "", "starts": "nonsense"})
    assert bad.status_code == 422


def test_refused_rsvp_is_answered_once_for_pages_and_api(app, client, login_as, make_user):
    """A BriefingConflict (cancelled or over) is answered by the core handler: the page
    flashes it and goes back (303); the API answers 409 with its error body."""
    from flo_portal.api.tokens import TokenScope, create_token

    flo = make_user(Role.LIAISON_OFFICER)
    with time_machine.travel(NOW, tick=False):
        coord = login_as(Role.COORDINATOR)
        br = make_briefing(coord, user_ids=[flo.id])
        client.post(f"/briefings/{br.id}/cancel", data={"reason": ""})
        login_as(flo)
        detail = f"http://localhost/briefings/{br.id}"
        response = client.post(
            f"/briefings/{br.id}/rsvp", data={"answer": "yes"}, headers={"Referer": detail}
        )
        assert response.status_code == 303 and response.location.endswith(f"/briefings/{br.id}")
        assert b"This briefing is cancelled." in client.get(f"/briefings/{br.id}").data
        _row, token = create_token(flo, "test token", TokenScope.READ_WRITE, 30)
        db.session.commit()
        api = client.post(
            f"/api/v1/briefings/{br.id}/rsvp",
            json={"answer": "yes"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert api.status_code == 409 and api.json["error"]["code"] == "conflict"
    assert api.json["error"]["message"] == "This briefing is cancelled."
    statuses = set(db.session.scalars(sa.select(BriefingInvitation.status)))
    assert statuses == {RsvpStatus.PENDING}
    assert not audit_events("briefing.rsvp")


def test_briefing_events_name_the_acting_user(app, client, login_as, make_user, monkeypatch):
    """Services take the actor explicitly; the trail names who scheduled, answered,
    downloaded and cancelled (``audit.record`` has no ``current_user`` fallback)."""
    flo = make_user(Role.LIAISON_OFFICER)
    with time_machine.travel(NOW, tick=False):
        coord = login_as(Role.COORDINATOR)
        br = make_briefing(coord, user_ids=[flo.id])
        login_as(flo)
        assert client.post(f"/briefings/{br.id}/rsvp", data={"answer": "yes"}).status_code == 302
        assert client.get(f"/briefings/{br.id}/calendar.ics").status_code == 200
        assert client.post("/briefings/feed/new").status_code == 302
        login_as(coord)
        assert client.post(f"/briefings/{br.id}/cancel", data={"reason": ""}).status_code == 302
    actors = {
        action: {e.actor_id for e in audit_events(action)}
        for action in (
            "briefing.created",
            "briefing.rsvp",
            "briefing.ics_downloaded",
            "briefing.feed_token_created",
            "briefing.cancelled",
        )
    }
    assert actors == {
        "briefing.created": {coord.id},
        "briefing.rsvp": {flo.id},
        "briefing.ics_downloaded": {flo.id},
        "briefing.feed_token_created": {flo.id},
        "briefing.cancelled": {coord.id},
    }
