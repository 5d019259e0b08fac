"""Taskings, conversation, queue filters and search, due-date notices, metrics, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from flo_portal.agencies.models import Discipline
from flo_portal.audit.models import AuditEvent
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification, OutboxEmail
from flo_portal.rfis import queries, services
from flo_portal.rfis.models import Rfi, RfiPriority, RfiRecipient, RfiStatus, Tlp
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory, notices
from tests.html import chart_spec
from tests.rfis.helpers import answer_as, force, submit


def test_tasking_one_response_each_and_sender_sees_who_answered(client, login_as, make_user):
    fire = AgencyFactory(discipline=Discipline.FIRE)
    police = AgencyFactory()
    firefighter = make_user(Role.LIAISON_OFFICER, agency=fire)
    fire_head = make_user(Role.AGENCY_HEAD, agency=fire)
    cop = make_user(Role.LIAISON_OFFICER, agency=police)
    bystander = make_user(Role.LIAISON_OFFICER, agency=police)
    analyst = login_as(Role.ANALYST)
    r = client.post(
        "/rfis/task",
        data={
            "title": "Drone sightings",
            "question": "Seen drones near substations?",
            "justification": "Probing of critical infrastructure.",
            "priority": "priority",
            "due_on": (clock.today() + timedelta(days=3)).isoformat(),
            "tlp": "TLP:GREEN",
            "disciplines": ["fire"],
            "user_ids": [str(cop.id)],
        },
    )
    assert r.status_code == 302, r.data[:600]
    rfi = db.session.scalars(sa.select(Rfi)).one()
    assert rfi.is_tasking and rfi.status == RfiStatus.ASSIGNED and rfi.requester_id == analyst.id
    assert {x.user_id for x in rfi.recipients} == {firefighter.id, fire_head.id, cop.id}
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(Notification.kind == "rfi.tasking")
        )
        == 3
    )

    login_as(bystander)
    assert client.get(f"/rfis/{rfi.id}").status_code == 404
    login_as(cop)
    assert (
        client.post(
            f"/rfis/{rfi.id}/respond", data={"response": "Two sightings on Elm St."}
        ).status_code
        == 302
    )
    login_as(firefighter)
    page = client.get(f"/rfis/{rfi.id}").get_data(as_text=True)
    assert "Two sightings on Elm St." not in page  # other agencies' answers stay with the center
    login_as(analyst)
    page = client.get(f"/rfis/{rfi.id}").get_data(as_text=True)
    assert "1 of 3 answered" in page and "Two sightings on Elm St." in page and "not yet" in page
    slot = db.session.scalars(sa.select(RfiRecipient).where(RfiRecipient.user_id == cop.id)).one()
    assert slot.responded_at is not None
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "rfi.tasking_response")
    )
    # A second response from the same person revises theirs; it does not add one.
    login_as(cop)
    client.post(f"/rfis/{rfi.id}/respond", data={"response": "Three sightings."})
    assert (
        db.session.scalar(
            sa.select(sa.func.count(RfiRecipient.id)).where(RfiRecipient.user_id == cop.id)
        )
        == 1
    )


def test_tasking_to_nobody_is_refused(client, login_as):
    login_as(Role.COORDINATOR)
    r = client.post(
        "/rfis/task",
        data={
            "title": "x",
            "question": "y",
            "justification": "z",
            "priority": "routine",
            "tlp": "TLP:GREEN",
            "due_on": (clock.today() + timedelta(days=3)).isoformat(),
        },
    )
    assert r.status_code == 422 and "Choose at least one" in r.get_data(as_text=True)


def test_messages_notify_the_other_side_and_are_escaped(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    analyst = make_user(Role.ANALYST)
    rfi = submit(flo)
    force(rfi, status=RfiStatus.ASSIGNED, assignee_id=analyst.id)
    login_as(analyst)
    r = client.post(f"/rfis/{rfi.id}/messages", data={"body": "Which depot? <b>bold</b>"})
    assert r.status_code == 302
    notice = db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == flo.id, Notification.kind == "rfi.message"
        )
    ).one()
    assert rfi.reference in notice.title
    login_as(flo)
    page = client.get(f"/rfis/{rfi.id}").get_data(as_text=True)
    assert "Which depot? &lt;b&gt;bold&lt;/b&gt;" in page
    assert client.post(f"/rfis/{rfi.id}/messages", data={"body": "  "}).status_code == 422


def test_answer_notifies_requester_and_sets_retention_review(app, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    analyst = make_user(Role.ANALYST)
    rfi = submit(flo)
    with app.test_request_context():
        answer_as(analyst, rfi, "Known ring; see attached.", criminal_intelligence=True)
    answered = clock.today(rfi.answered_at)  # the retention clock counts the center's day
    assert rfi.review_due_on == answered.replace(year=answered.year + app.config["RETENTION_YEARS"])
    assert notices(flo, "rfi.answered")
    assert db.session.scalar(
        sa.select(OutboxEmail).where(
            OutboxEmail.to_address == flo.email, OutboxEmail.kind == "rfi.answered"
        )
    )
    due = db.session.scalars(services.rfis_due_for_retention_review(rfi.review_due_on)).all()
    assert due == [rfi]


def test_queue_filters_and_search(client, login_as, make_user):
    a, b = AgencyFactory(), AgencyFactory()
    flo_a = make_user(Role.LIAISON_OFFICER, agency=a)
    flo_b = make_user(Role.LIAISON_OFFICER, agency=b)
    analyst = make_user(Role.ANALYST)
    r1 = submit(flo_a, title="Copper theft ring", priority="urgent")
    r2 = submit(
        flo_b,
        title="Suspicious purchase",
        question="Large fertilizer purchase at a farm store",
    )
    r3 = submit(flo_b, title="Old request")
    force(
        r2,
        status=RfiStatus.ASSIGNED,
        assignee_id=analyst.id,
        answer="Fertilizer was for a farm.",
    )
    force(r3, due_on=clock.today() - timedelta(days=2))
    red = submit(flo_b, title="Copper secret", tlp=Tlp.RED)
    login_as(Role.COORDINATOR)

    def refs(qs):
        page = client.get("/rfis/queue" + qs).get_data(as_text=True)
        return {r.reference for r in (r1, r2, r3, red) if r.reference in page}

    assert refs("") == {r1.reference, r2.reference, r3.reference, red.reference}
    assert refs("?priority=urgent") == {r1.reference}
    assert refs("?status=assigned") == {r2.reference}
    assert refs(f"?assignee={analyst.id}") == {r2.reference}
    assert refs("?assignee=0&status=submitted") == {
        r1.reference,
        r3.reference,
        red.reference,
    }
    assert refs(f"?agency={a.id}") == {r1.reference}
    assert refs("?overdue=1") == {r3.reference}
    assert refs("?q=FERTILIZER") == {r2.reference}  # question and answer are searched
    assert refs("?q=copper") == {r1.reference, red.reference}
    assert refs("?q=100%25") == set()  # LIKE wildcards are literal
    assert refs("?status=bogus&priority=x&assignee=abc") == {
        r1.reference,
        r2.reference,
        r3.reference,
        red.reference,
    }
    login_as(analyst)  # the RED one stays hidden from search for non-participants
    page = client.get("/rfis/queue?q=copper").get_data(as_text=True)
    assert r1.reference in page and red.reference not in page


def test_due_soon_and_overdue_notices_are_idempotent(app, make_user):
    coordinator = make_user(Role.COORDINATOR)
    analyst = make_user(Role.ANALYST)
    flo = make_user(Role.LIAISON_OFFICER)
    today = clock.today()
    soon = submit(flo, title="soon", due_days=1)
    late = submit(flo, title="late")
    force(
        late,
        due_on=today - timedelta(days=1),
        status=RfiStatus.ASSIGNED,
        assignee_id=analyst.id,
    )
    done = submit(flo, title="done")
    force(done, due_on=today - timedelta(days=3), status=RfiStatus.ANSWERED)
    far = submit(flo, title="far", due_days=30)
    now = datetime.now(UTC)
    due_soon, overdue = services.rfis_due_soon_and_overdue(now)
    assert [r.id for r in due_soon] == [soon.id] and [r.id for r in overdue] == [late.id]
    first = services.notify_due_rfis(now)  # the job runs without a request
    db.session.commit()
    assert services.notify_due_rfis(now) == 0  # re-run: nothing new
    db.session.commit()
    # soon -> coordinators (unassigned); late -> assignee + coordinators (escalation)
    assert first == 3
    kinds = db.session.execute(
        sa.select(Notification.user_id, Notification.kind).where(
            Notification.kind.in_(("rfi.due_soon", "rfi.overdue"))
        )
    ).all()
    assert set(kinds) == {
        (coordinator.id, "rfi.due_soon"),
        (analyst.id, "rfi.overdue"),
        (coordinator.id, "rfi.overdue"),
    }
    assert far.id not in {r.id for r in due_soon}


def test_metrics_median_p90_satisfaction_and_csv(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    base = datetime(2026, 3, 2, 12, tzinfo=UTC)
    for hours, prio, rating in [
        (10, "routine", 5),
        (20, "routine", 3),
        (30, "routine", None),
        (40, "routine", None),
        (2, "urgent", 4),
    ]:
        rfi = submit(flo, priority=prio)
        force(
            rfi,
            submitted_at=base,
            answered_at=base + timedelta(hours=hours),
            status=RfiStatus.ANSWERED,
            satisfaction=rating,
        )
    figures = {r.group: r for r in queries.turnaround_metrics()["by_priority"]}
    assert figures["routine"].count == 4 and figures["routine"].median_hours == 25.0
    assert figures["routine"].p90_hours == 40.0 and figures["urgent"].median_hours == 2.0
    assert figures["priority"].count == 0 and figures["priority"].median_hours is None
    assert queries.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    login_as(Role.COORDINATOR)
    page = client.get("/rfis/metrics").get_data(as_text=True)
    assert "2026-03" in page and "4.0" in page  # satisfaction average (5+3+4)/3
    # the chart beside the table: the same figures per month
    march = queries.turnaround_metrics()["by_month"][0]
    spec = chart_spec(page, "turnaround-chart")
    assert spec["labels"] == ["2026-03"] and "charts.js" in page
    assert [d["data"] for d in spec["datasets"]] == [[march.median_hours], [march.p90_hours]]
    assert march.median_hours == 20.0
    csv = client.get("/rfis/metrics.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert "priority,routine,4,25.0,40.0" in text and "month,2026-03,5" in text
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "rfi.metrics_exported")
    )


def test_dashboard_cards(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    submit(flo)
    submit(flo, question="the rally downtown")
    login_as(Role.COORDINATOR)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "RFIs awaiting triage" in page
    login_as(Role.PRIVACY_OFFICER)
    assert "RFIs awaiting privacy review" in client.get("/dashboard").get_data(as_text=True)
    login_as(flo)
    assert "My open RFIs" in client.get("/dashboard").get_data(as_text=True)


def test_priority_enum_is_the_brief():
    assert [p.value for p in RfiPriority] == ["routine", "priority", "urgent"]
    assert [t.value for t in Tlp] == [
        "TLP:RED",
        "TLP:AMBER+STRICT",
        "TLP:AMBER",
        "TLP:GREEN",
        "TLP:CLEAR",
    ]
