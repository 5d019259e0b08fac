"""API behaviour: the same visibility as the pages, pagination, errors and writes."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.products.models import ProductFeedback, ProductRecipient
from flo_portal.rfis.models import Rfi, RfiMessage, RfiStatus
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.security.permissions import Role
from tests.api.conftest import error_of
from tests.api.world import build_world
from tests.factories import AgencyFactory
from tests.rfis.helpers import force, future


def _bearer(token_for, user, scope="read-write"):
    return {"Authorization": f"Bearer {token_for(user, scope)}"}


def _audit_actions():
    return list(db.session.scalars(sa.select(AuditEvent.action)))


# --- visibility: the pages' policy functions decide --------------------------------------


def test_flo_cannot_read_another_agencys_objects(client, make_user, token_for):
    w = build_world(make_user)
    h = _bearer(token_for, w.users["liaison_officer"])
    assert client.get(f"/api/v1/rfis/{w.rfi_a.id}", headers=h).status_code == 200
    for url in (
        f"/api/v1/rfis/{w.rfi_b.id}",
        f"/api/v1/officers/{w.officer_b.id}",
        f"/api/v1/officers/{w.officer_b.id}/training-records",
        f"/api/v1/products/{w.product_red_b.id}",
    ):
        response = client.get(url, headers=h)
        assert response.status_code == 404, url
        assert error_of(response)["code"] == "not_found"
    listed = client.get("/api/v1/rfis", headers=h).json["data"]
    assert [r["id"] for r in listed] == [w.rfi_a.id]
    officers = client.get("/api/v1/officers", headers=h).json["data"]
    assert [o["id"] for o in officers] == [w.officer_a.id]
    # FLOs hold no agency:read: the agency endpoints answer 403, as the pages do.
    response = client.get("/api/v1/agencies", headers=h)
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"


def test_agency_head_sees_own_agency_only(client, make_user, token_for):
    w = build_world(make_user)
    h = _bearer(token_for, w.users["agency_head"])
    assert [a["id"] for a in client.get("/api/v1/agencies", headers=h).json["data"]] == [
        w.agency_a.id
    ]
    assert client.get(f"/api/v1/agencies/{w.agency_b.id}", headers=h).status_code == 404
    assert client.get(f"/api/v1/agencies/{w.agency_a.id}", headers=h).json["name"] == "Agency A"
    ids = {o["id"] for o in client.get("/api/v1/officers", headers=h).json["data"]}
    assert ids == {w.officer_a.id}
    cov = client.get("/api/v1/coverage", headers=h).json
    assert [a["name"] for a in cov["agencies"]] == ["Agency A"]


def test_admin_sees_no_intelligence(client, make_user, token_for):
    w = build_world(make_user)
    h = _bearer(token_for, w.users["admin"])
    assert client.get("/api/v1/me", headers=h).json["role"] == "admin"
    for url in (
        "/api/v1/rfis",
        "/api/v1/products",
        "/api/v1/agencies",
        "/api/v1/coverage",
    ):
        assert client.get(url, headers=h).status_code == 403, url
    assert client.get("/api/v1/officers", headers=h).json["data"] == []


def test_detail_reads_are_audited(client, make_user, token_for):
    w = build_world(make_user)
    h = _bearer(token_for, w.users["coordinator"])
    assert client.get(f"/api/v1/rfis/{w.rfi_b.id}", headers=h).status_code == 200
    assert client.get(f"/api/v1/officers/{w.officer_b.id}", headers=h).status_code == 200
    actions = _audit_actions()
    assert "rfi.viewed" in actions and "officer.viewed" in actions


# --- pagination and filters --------------------------------------------------------------


def test_cursor_pagination_walks_every_row_once(client, make_user, token_for):
    user = make_user(Role.COORDINATOR)
    for i in range(7):
        AgencyFactory(name=f"Paged {i}", region="East" if i % 2 else "West")
    db.session.commit()
    h = _bearer(token_for, user)
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/agencies?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=h).json
        seen += [a["id"] for a in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 7 and seen == sorted(set(seen))
    east = client.get("/api/v1/agencies?region=East", headers=h).json["data"]
    assert {a["name"] for a in east} == {"Paged 1", "Paged 3", "Paged 5"}
    assert len(client.get("/api/v1/agencies?q=paged%205", headers=h).json["data"]) == 1


def test_bad_cursor_and_limit_are_422(client, make_user, token_for):
    user = make_user(Role.COORDINATOR)
    for _ in range(3):
        AgencyFactory()
    db.session.commit()
    h = _bearer(token_for, user)
    other_list_cursor = client.get("/api/v1/officers?limit=1", headers=h).json["next_cursor"]
    agencies_cursor = client.get("/api/v1/agencies?limit=1", headers=h).json["next_cursor"]
    assert agencies_cursor
    for query, field in (
        ("cursor=forged", "cursor"),
        ("cursor=" + agencies_cursor[:-2] + "xx", "cursor"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("limit=1&limit=2", "limit"),
        ("active=yes", "active"),
        ("discipline=pirates", "discipline"),
    ):
        response = client.get(f"/api/v1/agencies?{query}", headers=h)
        assert response.status_code == 422, query
        err = error_of(response)
        assert err["code"] == "validation_failed" and field in err["fields"], (
            query,
            err,
        )
    if other_list_cursor:  # a cursor from another list is refused too
        assert (
            client.get(f"/api/v1/agencies?cursor={other_list_cursor}", headers=h).status_code == 422
        )


# --- writes ------------------------------------------------------------------------------


RFI_BODY = {
    "title": "Drone sightings near the substation",
    "question": "Has anyone else reported drones at night?",
    "justification": "Possible reconnaissance of critical infrastructure.",
    "priority": "priority",
    "tlp": "TLP:AMBER",
    "attested": True,
}


def test_flo_submits_an_rfi_and_posts_a_message(client, make_user, token_for):
    w = build_world(make_user)
    flo = w.users["liaison_officer"]
    h = _bearer(token_for, flo)
    body = dict(RFI_BODY, due_on=future(5).isoformat())
    response = client.post("/api/v1/rfis", json=body, headers=h)
    assert response.status_code == 201, response.json
    data = response.json
    assert data["reference"].startswith("RFI-") and data["status"] == "submitted"
    rfi = db.session.get(Rfi, data["id"])
    assert rfi.requester_id == flo.id and rfi.agency_id == w.agency_a.id
    assert "rfi.submitted" in _audit_actions()

    msg = client.post(
        f"/api/v1/rfis/{rfi.id}/messages", json={"body": "Photos to follow."}, headers=h
    )
    assert msg.status_code == 201 and msg.json["body"] == "Photos to follow."
    assert (
        db.session.scalar(sa.select(RfiMessage.body).where(RfiMessage.rfi_id == rfi.id))
        == "Photos to follow."
    )
    # Another agency's FLO cannot post into it: 404, nothing written.
    hb = _bearer(token_for, w.flo_b)
    assert (
        client.post(f"/api/v1/rfis/{rfi.id}/messages", json={"body": "x"}, headers=hb).status_code
        == 404
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RfiMessage)) == 1


def test_rfi_validation_errors_are_422_with_fields(client, make_user, token_for):
    user = make_user(Role.LIAISON_OFFICER)
    h = _bearer(token_for, user)
    response = client.post(
        "/api/v1/rfis", json={"title": "", "priority": "asap", "extra": 1}, headers=h
    )
    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert {"title", "priority", "extra", "question", "due_on", "attested"} <= set(fields)
    past = dict(RFI_BODY, due_on="2001-01-01")
    response = client.post("/api/v1/rfis", json=past, headers=h)
    assert response.status_code == 422 and "past" in error_of(response)["message"]
    not_attested = dict(RFI_BODY, due_on=future(3).isoformat(), attested=False)
    assert client.post("/api/v1/rfis", json=not_attested, headers=h).status_code == 422
    bad_json = client.post(
        "/api/v1/rfis",
        data="{not json",
        headers=h | {"Content-Type": "application/json"},
    )
    assert bad_json.status_code == 400 and error_of(bad_json)["code"] == "bad_request"
    wrong_type = client.post(
        "/api/v1/rfis",
        json=dict(RFI_BODY, due_on=future(3).isoformat(), attested="yes"),
        headers=h,
    )
    assert wrong_type.status_code == 422  # strict: no string-to-bool coercion
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rfi)) == 0


def test_analyst_answers_an_assigned_rfi_with_409_on_state_and_staleness(
    client, make_user, token_for
):
    w = build_world(make_user)
    analyst = w.users["analyst"]
    h = _bearer(token_for, analyst)
    rfi = w.rfi_a
    # Not assigned yet: the workflow refuses, 409.
    response = client.post(
        f"/api/v1/rfis/{rfi.id}/answer",
        json={"version": rfi.version, "answer": "x"},
        headers=h,
    )
    assert response.status_code == 409 and error_of(response)["code"] == "conflict"
    force(rfi, status=RfiStatus.ASSIGNED, assignee_id=analyst.id)
    stale = client.post(
        f"/api/v1/rfis/{rfi.id}/answer",
        json={"version": rfi.version + 5, "answer": "x"},
        headers=h,
    )
    assert stale.status_code == 409 and "version" in error_of(stale)["fields"]
    ok = client.post(
        f"/api/v1/rfis/{rfi.id}/answer",
        json={
            "version": rfi.version,
            "answer": "Two reports last week; details attached.",
        },
        headers=h,
    )
    assert ok.status_code == 200, ok.json
    assert ok.json["status"] == "answered" and ok.json["answer"].startswith("Two reports")
    db.session.expire_all()
    assert db.session.get(Rfi, rfi.id).status == RfiStatus.ANSWERED
    # An FLO may not answer at all (role), 403.
    hf = _bearer(token_for, w.users["liaison_officer"])
    assert (
        client.post(
            f"/api/v1/rfis/{rfi.id}/answer",
            json={"version": 1, "answer": "x"},
            headers=hf,
        ).status_code
        == 403
    )


def test_product_feed_read_acknowledge_and_feedback(client, make_user, token_for):
    w = build_world(make_user)
    flo = w.users["liaison_officer"]
    h = _bearer(token_for, flo)
    feed = client.get("/api/v1/products", headers=h).json["data"]
    assert [p["id"] for p in feed] == [w.product_all.id]  # not the RED product for B
    read = client.get(f"/api/v1/products/{w.product_all.id}", headers=h)
    assert read.status_code == 200 and read.json["needs_acknowledgement"] is True
    assert read.json["opened_at"] is not None and read.json["acknowledged_at"] is None
    assert "product.viewed" in _audit_actions()
    ack = client.post(f"/api/v1/products/{w.product_all.id}/acknowledge", headers=h)
    assert ack.status_code == 200 and ack.json["acknowledged_at"]
    receipt = db.session.scalar(
        sa.select(ProductRecipient).where(
            ProductRecipient.user_id == flo.id,
            ProductRecipient.product_id == w.product_all.id,
        )
    )
    assert receipt.acknowledged_at is not None
    fb = client.post(
        f"/api/v1/products/{w.product_all.id}/feedback",
        json={"useful": 5, "actionable": 4, "comment": "Clear."},
        headers=h,
    )
    assert fb.status_code == 201 and fb.json["useful"] == 5
    again = client.post(
        f"/api/v1/products/{w.product_all.id}/feedback",
        json={"useful": 1, "actionable": 1},
        headers=h,
    )
    assert again.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProductFeedback)) == 1
    bad = client.post(
        f"/api/v1/products/{w.product_all.id}/feedback",
        json={"useful": 9, "actionable": 0},
        headers=h,
    )
    assert bad.status_code == 422 and set(error_of(bad)["fields"]) == {
        "useful",
        "actionable",
    }
    # The RED product addressed to B's FLO: 404 for A's FLO, even to acknowledge.
    assert (
        client.post(f"/api/v1/products/{w.product_red_b.id}/acknowledge", headers=h).status_code
        == 404
    )


def test_briefing_list_and_rsvp(client, make_user, token_for):
    w = build_world(make_user)
    h = _bearer(token_for, w.users["liaison_officer"])
    listed = client.get("/api/v1/briefings", headers=h).json["data"]
    assert [b["id"] for b in listed] == [w.briefing.id] and listed[0]["my_rsvp"] == "pending"

    def rsvp(answer, headers):
        return client.post(
            f"/api/v1/briefings/{w.briefing.id}/rsvp", json={"answer": answer}, headers=headers
        )

    response = rsvp("yes", h)
    assert response.status_code == 200 and response.json["status"] == "yes"
    assert client.get("/api/v1/briefings", headers=h).json["data"][0]["my_rsvp"] == "yes"
    assert rsvp("perhaps", h).status_code == 422
    hb = _bearer(token_for, w.flo_b)  # not invited: 404
    assert client.get("/api/v1/briefings", headers=hb).json["data"] == []
    assert rsvp("yes", hb).status_code == 404


def test_nominate_and_record_training(client, make_user, token_for):
    w = build_world(make_user)
    head = _bearer(token_for, w.users["agency_head"])
    body = {
        "agency_id": w.agency_a.id,
        "first_name": "Robin",
        "last_name": "Reyes",
        "reason": "Keen",
    }
    created = client.post("/api/v1/officers", json=body, headers=head)
    assert created.status_code == 201 and created.json["status"] == "nominated"
    officer = db.session.get(Officer, created.json["id"])
    assert officer.status == OfficerStatus.NOMINATED and officer.supervisor_approved_on is not None
    other = client.post("/api/v1/officers", json=dict(body, agency_id=w.agency_b.id), headers=head)
    assert other.status_code == 404  # not their agency

    coord = _bearer(token_for, w.users["coordinator"])
    rec = {"course_id": w.course.id, "completed_on": "2026-01-05", "verified": True}
    first = client.post(
        f"/api/v1/officers/{w.officer_b.id}/training-records", json=rec, headers=coord
    )
    assert first.status_code == 201 and first.json["verified"] is True
    recorded = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "training.recorded")
    ).all()
    assert [e.actor_id for e in recorded][-1] == w.users["coordinator"].id  # named, not implied
    again = client.post(
        f"/api/v1/officers/{w.officer_b.id}/training-records", json=rec, headers=coord
    )
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    records = client.get(f"/api/v1/officers/{w.officer_b.id}/training-records", headers=coord).json[
        "data"
    ]
    assert len(records) == 2
    bad = client.post(
        f"/api/v1/officers/{w.officer_b.id}/training-records",
        json={"course_id": 999999, "completed_on": "2999-01-01"},
        headers=coord,
    )
    assert bad.status_code == 422 and set(error_of(bad)["fields"]) == {
        "course_id",
        "completed_on",
    }
    assert (
        client.post(
            f"/api/v1/officers/{w.officer_b.id}/training-records",
            json=rec,
            headers=head,
        ).status_code
        == 403
    )


def test_read_token_cannot_write(client, make_user, token_for):
    w = build_world(make_user)
    h = _bearer(token_for, w.users["liaison_officer"], scope="read")
    assert client.get("/api/v1/rfis", headers=h).status_code == 200
    response = client.post(f"/api/v1/rfis/{w.rfi_a.id}/messages", json={"body": "hi"}, headers=h)
    assert response.status_code == 403 and error_of(response)["code"] == "insufficient_scope"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RfiMessage)) == 0


def test_unknown_paths_and_methods_answer_json(client, make_user, token_for):
    h = _bearer(token_for, make_user(Role.COORDINATOR))
    missing = client.get("/api/v1/nothing-here", headers=h)
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    wrong = client.delete("/api/v1/agencies", headers=h)
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
    huge = client.get("/api/v1/agencies/99999999999", headers=h)
    assert huge.status_code == 404
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_query_parameters_are_refused(client, make_user, token_for):
    h = _bearer(token_for, make_user(Role.COORDINATOR))
    typo = client.get("/api/v1/agencies?regoin=North", headers=h)
    assert typo.status_code == 422 and "regoin" in error_of(typo)["fields"]
    assert client.get("/api/v1/me?x=1", headers=h).status_code == 422
