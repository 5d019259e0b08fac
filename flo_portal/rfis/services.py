"""RFI operations. Each changes state, records the audit event, notifies, and flushes;
the request (or job) commits once. Transitions go through ``workflow.check``."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from typing import TypedDict, Unpack

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.exc import StaleDataError

from flo_portal.audit.services import record
from flo_portal.core import clock, protected_activity
from flo_portal.core.errors import Conflict, InputError, Refused, Stale
from flo_portal.core.extensions import db
from flo_portal.core.orm import upsert_insert
from flo_portal.core.tlp import email_may_carry_text
from flo_portal.notifications.services import EMAIL, channel_for, notify, queue_email
from flo_portal.retention.clock import review_due
from flo_portal.rfis import workflow
from flo_portal.rfis.attachments import store_attachment
from flo_portal.rfis.models import (
    OPEN_STATUSES,
    Rfi,
    RfiCounter,
    RfiDirection,
    RfiMessage,
    RfiPriority,
    RfiRecipient,
    RfiStatus,
    RfiStatusChange,
    Tlp,
)
from flo_portal.rfis.workflow import Action
from flo_portal.security.permissions import Role
from flo_portal.users.audience import Audience, recipients_query
from flo_portal.users.models import User
from flo_portal.users.queries import active_users_with_role


class StaleRfi(Stale):
    """The form was built from an older version of the RFI than the one stored, or
    another save of the same version won the race (409; the API names ``version``)."""

    default_message = (
        "Someone else changed this RFI after you opened it. Your change was not saved: "
        "review the current version below and try again."
    )

    def __init__(self, message: str | None = None, **kw) -> None:
        kw.setdefault("fields", {"version": ["Stale; read the RFI again."]})
        super().__init__(message, **kw)


class RfiInputError(InputError):
    """Input a person must correct (missing attestation, past due date, bad rating...)."""


# --- helpers -------------------------------------------------------------------------


def allocate_reference(year: int) -> tuple[int, str]:
    """Next gap-free number for ``year``: the counter row is updated (and so locked)
    inside the caller's transaction, so concurrent submitters queue on it and a
    rolled-back submission gives its number back."""
    db.session.execute(
        upsert_insert(RfiCounter)
        .values(year=year, last_seq=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    seq = db.session.execute(
        sa.update(RfiCounter.__table__)
        .where(RfiCounter.__table__.c.year == year)
        .values(last_seq=RfiCounter.__table__.c.last_seq + 1)
        .returning(RfiCounter.__table__.c.last_seq)
    ).scalar_one()
    return seq, f"RFI-{year}-{seq:05d}"


def _link(rfi: Rfi) -> str:
    # A path, not url_for: jobs run without a request (the outbox adds PUBLIC_BASE_URL).
    return f"/rfis/{rfi.id}"


def _notify(
    user: User,
    kind: str,
    rfi: Rfi,
    title: str,
    body: str = "",
    *,
    email: str | None = None,
    dedupe_key: str | None = None,
):
    """An RFI notice: in-app with ``title`` and ``body`` (which may carry RFI text), and,
    by the user's choice, an e-mail. The e-mail says ``email`` (a line built from the
    reference), the TLP label and a link to sign in; what else it may say is the one rule
    of ``core.tlp.email_may_carry_text``: for TLP:CLEAR and TLP:GREEN the RFI's title
    follows the reference (``_email_line``), for AMBER, AMBER+STRICT and RED nothing of
    the RFI's text leaves the portal. ``email=None``: in-app only."""
    notice = notify(user, kind, title, body, _link(rfi), email=False, dedupe_key=dedupe_key)
    if notice is None or email is None or not user.email:
        return notice
    if channel_for(user.id, kind) != EMAIL:
        return notice
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    line = _email_line(rfi, email)
    queue_email(
        user.email,
        line,
        f"{line}\n\n{Tlp(rfi.tlp).label}\n\nSign in to read it: {base}{_link(rfi)}\n",
        kind=kind,
        dedupe_key=f"email:{dedupe_key}" if dedupe_key else None,
    )
    return notice


EMAIL_TITLE_CHARS = 120


def _email_line(rfi: Rfi, line: str) -> str:
    """``line`` (built from the reference, no RFI text) with, when the RFI's TLP lets its
    text go out by e-mail, its title in quotes after the reference: one line (whitespace
    and line breaks collapsed, so it is a safe subject), at most EMAIL_TITLE_CHARS."""
    if not email_may_carry_text(rfi.tlp) or rfi.reference not in line:
        return line
    title = " ".join((rfi.title or "").split())
    if not title:
        return line
    if len(title) > EMAIL_TITLE_CHARS:
        title = title[: EMAIL_TITLE_CHARS - 1].rstrip() + "…"
    return line.replace(rfi.reference, f"{rfi.reference} “{title}”", 1)


def _history(rfi: Rfi, action: str, from_status, to_status, actor, note: str = "") -> None:
    db.session.add(
        RfiStatusChange(
            rfi=rfi,
            action=action,
            from_status=from_status,
            to_status=to_status,
            changed_by_id=getattr(actor, "id", None),
            note=note,
        )
    )


def _check_version(rfi: Rfi, expected_version: int | None) -> None:
    if expected_version is None or int(expected_version) != rfi.version:
        raise StaleRfi()


class RfiText(TypedDict):
    """What every RFI is given on submission, request or tasking alike."""

    title: str
    question: str
    justification: str
    priority: RfiPriority | str
    tlp: Tlp | str
    due_on: date


def _validate_common(
    *, title: str, question: str, justification: str, due_on: date | None, **_marking
) -> None:
    if not (title or "").strip() or not (question or "").strip():
        raise RfiInputError("A title and a question are required.")
    if not (justification or "").strip():
        raise RfiInputError("Give the criminal or threat nexus that justifies the request.")
    if due_on is None or due_on < clock.today():
        raise RfiInputError("The due date cannot be in the past.")


# --- submission (FLO / agency head -> center) -------------------------------------------


def _new_rfi(direction, now, text: RfiText, **rest):
    """A new RFI row (request or tasking) with the next reference of ``now``'s year."""
    seq, reference = allocate_reference(now.year)
    return Rfi(
        reference=reference,
        ref_year=now.year,
        ref_seq=seq,
        direction=direction,
        title=text["title"].strip(),
        question=text["question"].strip(),
        justification=text["justification"].strip(),
        priority=RfiPriority(text["priority"]),
        tlp=Tlp(text["tlp"]),
        due_on=text["due_on"],
        **rest,
    )


def submit_rfi(
    requester: User,
    *,
    attested: bool,
    files: list[tuple[str, bytes]] = (),
    **text: Unpack[RfiText],
) -> Rfi:
    """A new request to the center. Text naming protected activity goes to privacy review."""
    if Role(requester.role) not in workflow.PARTNERS:
        raise RfiInputError("Only FLOs and agency heads submit requests to the center.")
    if not attested:
        raise RfiInputError("You must make the attestation before submitting.")
    _validate_common(**text)
    terms = protected_activity.terms_in(text["title"], text["question"], text["justification"])
    now = clock.now()
    rfi = _new_rfi(
        RfiDirection.REQUEST,
        now,
        text,
        status=workflow.initial_status(bool(terms)),
        requester_id=requester.id,
        agency_id=requester.agency_id,
        attested_at=now,
        submitted_at=now,
        privacy_flagged=bool(terms),
        privacy_terms=", ".join(terms)[:500],
    )
    db.session.add(rfi)
    db.session.flush()
    for name, data in files:
        store_attachment(rfi, requester, name, data)
    _history(rfi, "submit", None, rfi.status, requester)
    record(
        "rfi.submitted",
        rfi,
        summary=f"{rfi.reference} submitted ({rfi.priority}, {rfi.tlp})",
        details={"privacy_terms": terms, "attachments": len(files)},
        actor=requester,
    )
    if terms:
        record(
            "rfi.privacy_flagged",
            rfi,
            summary=f"{rfi.reference} routed to privacy review",
            details={"terms": terms},
            actor=requester,
        )
        for officer in active_users_with_role(Role.PRIVACY_OFFICER):
            _notify(
                officer,
                "rfi.privacy_review",
                rfi,
                f"{rfi.reference} needs privacy review",
                f"The request names: {', '.join(terms)}.",
                email=f"{rfi.reference} needs privacy review",
            )
    else:
        _notify_coordinators_new(rfi)
    _notify(
        requester,
        "rfi.submitted",
        rfi,
        f"{rfi.reference} received",
        "Your request was received by the center.",
    )
    db.session.flush()
    return rfi


def _notify_coordinators_new(rfi: Rfi) -> None:
    for coordinator in active_users_with_role(Role.COORDINATOR):
        _notify(
            coordinator,
            "rfi.submitted",
            rfi,
            f"New RFI {rfi.reference} ({rfi.priority})",
            rfi.title,
            email=f"New RFI {rfi.reference} ({rfi.priority})",
        )


# --- tasking (center -> officers / agencies / disciplines) -------------------------------


def create_tasking(sender: User, *, audience: Audience, **text: Unpack[RfiText]) -> Rfi:
    """Send a tasking; every user in ``audience`` (resolved now) gets a response slot."""
    if Role(sender.role) not in workflow.WORKERS:
        raise RfiInputError("Only coordinators and analysts send taskings.")
    _validate_common(**text)
    recipients = [u for u in db.session.scalars(recipients_query(audience)) if u.id != sender.id]
    if not recipients:
        raise RfiInputError("Nobody is in that audience; choose officers, agencies or disciplines.")
    now = clock.now()
    rfi = _new_rfi(
        RfiDirection.TASKING,
        now,
        text,
        status=RfiStatus.ASSIGNED,
        requester_id=sender.id,
        audience=audience.to_json(),
        submitted_at=now,
    )
    db.session.add(rfi)
    for user in recipients:
        rfi.recipients.append(RfiRecipient(user_id=user.id))
    db.session.flush()
    _history(rfi, "task", None, RfiStatus.ASSIGNED, sender, audience.describe())
    record(
        "rfi.tasking_sent",
        rfi,
        summary=f"{rfi.reference} sent to {len(recipients)} recipients",
        details={
            "audience": audience.to_json(),
            "recipient_ids": [u.id for u in recipients],
        },
        actor=sender,
    )
    for user in recipients:
        _notify(
            user,
            "rfi.tasking",
            rfi,
            f"Tasking {rfi.reference}: {rfi.title}",
            f"The center asks for your response by {rfi.due_on.isoformat()}.",
            email=f"Tasking {rfi.reference}: the center asks for your response by {rfi.due_on.isoformat()}",
        )
    return rfi


def respond_to_tasking(user: User, rfi: Rfi, body: str) -> RfiRecipient:
    """One addressee's response (may be revised until the tasking is complete)."""
    slot = next((r for r in rfi.recipients if r.user_id == user.id), None)
    if not rfi.is_tasking or slot is None:
        raise Refused("This tasking is not addressed to you.")
    if RfiStatus(rfi.status) != RfiStatus.ASSIGNED:
        raise Conflict("This tasking is no longer open for responses.")
    if not (body or "").strip():
        raise RfiInputError("Write a response.")
    revised = slot.responded_at is not None
    slot.response = body.strip()
    slot.responded_at = clock.now()
    record(
        "rfi.tasking_response",
        rfi,
        summary=f"{rfi.reference}: response from {user.email}",
        details={"revised": revised},
        actor=user,
    )
    _notify(
        rfi.requester,
        "rfi.response",
        rfi,
        f"{rfi.reference}: {user.name} responded",
        email=f"{rfi.reference}: {user.name} responded",
    )
    db.session.flush()
    return slot


# --- transitions --------------------------------------------------------------------------


def _race_is_stale(fn):
    """Another save of the same version won the race (``version_id_col`` at flush): the
    same answer as a stale form, StaleRfi."""

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StaleDataError:
            raise StaleRfi() from None

    return guarded


@_race_is_stale
def perform(
    user: User,
    rfi: Rfi,
    action: Action | str,
    *,
    expected_version: int | None,
    note: str = "",
    assignee_id: int | None = None,
    answer: str = "",
    criminal_intelligence: bool = False,
    rating: int | None = None,
    edits: dict | None = None,
) -> Rfi:
    """Make one transition of the state machine, with its side effects.

    Raises TransitionRefused (409 not possible in this state, 403 not for this user),
    StaleRfi (the form was built from an older version, or another save won the race) or
    RfiInputError (a note, assignee or rating missing).
    """
    # A stale form is reported as such first: its author acted on a state that is gone.
    _check_version(rfi, expected_version)
    t = workflow.check(user, rfi, action)
    note = (note or "").strip()
    if t.needs_note and not note:
        raise RfiInputError("Give a reason or note; the requester will read it.")
    before = RfiStatus(rfi.status)
    now = clock.now()
    details: dict = {"from": before.value, "to": t.target.value}
    target = t.target

    if t.action == Action.PRIVACY_APPROVE:
        rfi.privacy_reviewed_at, rfi.privacy_reviewer_id, rfi.privacy_note = (
            now,
            user.id,
            note,
        )
    elif t.action == Action.PRIVACY_RETURN:
        rfi.privacy_reviewed_at, rfi.privacy_reviewer_id, rfi.privacy_note = (
            now,
            user.id,
            note,
        )
        rfi.return_note = note
    elif t.action == Action.RETURN:
        rfi.return_note = note
    elif t.action == Action.REJECT:
        rfi.reject_reason = note
    elif t.action == Action.ACCEPT:
        rfi.criminal_intelligence = bool(criminal_intelligence)
    elif t.action == Action.ASSIGN:
        assignee = db.session.get(User, assignee_id) if assignee_id else None
        if (
            assignee is None
            or not assignee.is_active_account
            or Role(assignee.role) not in workflow.WORKERS
        ):
            raise RfiInputError("Choose an active analyst or coordinator to assign.")
        details["assignee_id"] = assignee.id
        details["previous_assignee_id"] = rfi.assignee_id
        rfi.assignee_id = assignee.id
        rfi.assignee = assignee
    elif t.action == Action.ANSWER:
        if not (answer or "").strip():
            raise RfiInputError("Write the answer.")
        rfi.answer = answer.strip()
        rfi.answered_at = now
        rfi.answered_by_id = user.id
        rfi.criminal_intelligence = bool(criminal_intelligence) or rfi.criminal_intelligence
        _set_review_due(rfi)
        details["criminal_intelligence"] = rfi.criminal_intelligence
    elif t.action == Action.COMPLETE:
        rfi.answered_at = now
        rfi.answered_by_id = user.id
    elif t.action == Action.CLOSE:
        if rating is None or not 1 <= int(rating) <= 5:
            raise RfiInputError("Rate the answer from 1 (poor) to 5 (excellent).")
        rfi.satisfaction = int(rating)
        rfi.closure_comment = note
        rfi.closed_at = now
        details["rating"] = int(rating)
    elif t.action == Action.RESUBMIT:
        edits = edits or {}
        title = edits.get("title", rfi.title)
        question = edits.get("question", rfi.question)
        justification = edits.get("justification", rfi.justification)
        due_on = edits.get("due_on", rfi.due_on)
        _validate_common(title=title, question=question, justification=justification, due_on=due_on)
        rfi.title, rfi.question, rfi.justification, rfi.due_on = (
            title.strip(),
            question.strip(),
            justification.strip(),
            due_on,
        )
        if "priority" in edits:
            rfi.priority = RfiPriority(edits["priority"])
        if "tlp" in edits:
            rfi.tlp = Tlp(edits["tlp"])
        # The revised text is checked again; an earlier privacy approval does not carry over.
        terms = protected_activity.terms_in(rfi.title, rfi.question, rfi.justification)
        rfi.privacy_flagged = rfi.privacy_flagged or bool(terms)
        rfi.privacy_terms = ", ".join(terms)[:500]
        rfi.privacy_reviewed_at = None
        target = workflow.initial_status(bool(terms))
        details["privacy_terms"] = terms

    rfi.status = target
    details["to"] = target.value
    _history(rfi, t.action.value, before, target, user, note)
    record(
        f"rfi.{t.action.value}",
        rfi,
        summary=f"{rfi.reference}: {before} → {target}",
        details=details | ({"note": note} if note else {}),
        actor=user,
    )
    db.session.flush()  # raises StaleDataError if another transaction won the race
    workflow.MACHINE.run_effects(user, rfi, t, note=note, target=target)
    return rfi


def _set_review_due(rfi: Rfi) -> None:
    if rfi.criminal_intelligence and rfi.answered_at is not None:
        rfi.review_due_on = review_due(rfi.answered_at)  # the one retention clock
    elif not rfi.criminal_intelligence:
        rfi.review_due_on = None


@_race_is_stale
def set_criminal_intelligence(
    user: User, rfi: Rfi, flag: bool, *, expected_version: int | None
) -> Rfi:
    """Mark or unmark an RFI as criminal intelligence (28 CFR Part 23 review clock)."""
    _check_version(rfi, expected_version)
    rfi.criminal_intelligence = bool(flag)
    _set_review_due(rfi)
    record(
        "rfi.criminal_intelligence",
        rfi,
        summary=f"{rfi.reference}: criminal intelligence = {flag}",
        details={"review_due_on": rfi.review_due_on},
        actor=user,
    )
    db.session.flush()
    return rfi


@workflow.MACHINE.effect(*Action)
def _notify_transition(actor: User, rfi: Rfi, t, *, note: str, target: RfiStatus) -> None:
    """Who hears of a transition (registered beside the workflow for every action)."""
    action = t.action
    ref = rfi.reference
    if action in (Action.RETURN, Action.PRIVACY_RETURN):
        _notify(
            rfi.requester,
            "rfi.returned",
            rfi,
            f"{ref} was returned to you",
            f"The center needs more from you: {note}",
            email=f"{ref} was returned to you",
        )
    elif action == Action.REJECT:
        _notify(
            rfi.requester,
            "rfi.rejected",
            rfi,
            f"{ref} was rejected",
            f"Reason: {note}",
            email=f"{ref} was rejected",
        )
    elif action == Action.ACCEPT:
        _notify(rfi.requester, "rfi.accepted", rfi, f"{ref} was accepted")
    elif action == Action.ASSIGN and rfi.assignee is not None:
        _notify(
            rfi.assignee,
            "rfi.assigned",
            rfi,
            f"{ref} is assigned to you",
            f"{rfi.title} (due {rfi.due_on.isoformat()})",
            email=f"{ref} is assigned to you (due {rfi.due_on.isoformat()})",
        )
    elif action == Action.ANSWER:
        from flo_portal.rfis.dissemination import log_answer_received

        log_answer_received(rfi.requester, rfi)  # after the transition's flush: one version bump
        _notify(
            rfi.requester,
            "rfi.answered",
            rfi,
            f"{ref} has been answered",
            "Read the answer and close the request with your rating.",
            email=f"{ref} has been answered; close it with your rating",
        )
    elif action == Action.PRIVACY_APPROVE or (
        action == Action.RESUBMIT and target == RfiStatus.SUBMITTED
    ):
        _notify_coordinators_new(rfi)
    elif action == Action.RESUBMIT and target == RfiStatus.PRIVACY_REVIEW:
        for officer in active_users_with_role(Role.PRIVACY_OFFICER):
            _notify(
                officer,
                "rfi.privacy_review",
                rfi,
                f"{ref} needs privacy review",
                f"The request names: {rfi.privacy_terms}.",
                email=f"{ref} needs privacy review",
            )


# --- reading ---------------------------------------------------------------------------


def read_rfi(user: User, rfi: Rfi, *, via: str = "web") -> Rfi:
    """``user`` reads ``rfi`` (the page or the API): the audit view event and, when the
    RFI is answered, the dissemination log entry (28 CFR 23.20(f)). The one place both
    are written, so no way of reading an answer skips the log. Flushes; the caller
    checked visibility (``policies.can_view_rfi``) and commits."""
    from flo_portal.rfis.dissemination import log_answer_received

    record(
        "rfi.viewed",
        rfi,
        summary=rfi.reference if via == "web" else f"{rfi.reference} ({via.upper()})",
        details={"via": via},
        actor=user,
    )
    log_answer_received(user, rfi)
    return rfi


# --- conversation --------------------------------------------------------------------------


def post_message(
    user: User, rfi: Rfi, body: str, files: list[tuple[str, bytes]] = ()
) -> RfiMessage:
    """Add to the thread and tell the other participants."""
    from flo_portal.rfis.policies import can_post_message

    if not can_post_message(user, rfi):
        message = "You cannot add to this conversation now."
        if RfiStatus(rfi.status) in (RfiStatus.CLOSED, RfiStatus.REJECTED):
            raise Conflict(message)  # nobody may, in this state
        raise Refused(message)  # not this user
    if not (body or "").strip():
        raise RfiInputError("Write a message.", field="body")
    message = RfiMessage(rfi=rfi, author_id=user.id, body=body.strip())
    db.session.add(message)
    db.session.flush()
    for name, data in files:
        store_attachment(rfi, user, name, data, message=message)
    record(
        "rfi.message",
        rfi,
        summary=f"{rfi.reference}: message",
        details={"message_id": message.id, "attachments": len(files)},
        actor=user,
    )
    for other in _message_audience(user, rfi):
        _notify(
            other,
            "rfi.message",
            rfi,
            f"{rfi.reference}: new message from {user.name}",
            body.strip()[:200],
            email=f"{rfi.reference}: new message from {user.name}",
        )
    db.session.flush()
    return message


def _message_audience(author: User, rfi: Rfi) -> list[User]:
    people: dict[int, User] = {}
    if rfi.is_tasking:
        if author.id == rfi.requester_id or author.is_center_staff:
            for r in rfi.recipients:
                people[r.user_id] = r.user
        else:
            people[rfi.requester_id] = rfi.requester
    else:
        people[rfi.requester_id] = rfi.requester
        if rfi.assignee is not None:
            people[rfi.assignee.id] = rfi.assignee
        elif not author.is_center_staff:
            for c in active_users_with_role(Role.COORDINATOR):
                people[c.id] = c
    people.pop(author.id, None)
    return list(people.values())


# --- due dates -----------------------------------------------------------------------------


def due_soon_days() -> int:
    return int(current_app.config.get("RFI_DUE_SOON_DAYS", 2))


def rfis_due_soon_and_overdue(now: datetime) -> tuple[list[Rfi], list[Rfi]]:
    """(due soon, overdue) open RFIs at ``now``: due within RFI_DUE_SOON_DAYS center days,
    or past their due date. Open means the center (or addressees) still owe an answer."""
    today = clock.today(now)  # the center's date at ``now``
    horizon = today + timedelta(days=due_soon_days())
    rows = db.session.scalars(
        sa.select(Rfi)
        .where(Rfi.status.in_(OPEN_STATUSES), Rfi.due_on <= horizon)
        .order_by(Rfi.due_on, Rfi.id)
    ).all()
    overdue = [r for r in rows if r.due_on < today]
    soon = [r for r in rows if r.due_on >= today]
    return soon, overdue


def _owners(rfi: Rfi) -> list[User]:
    if rfi.is_tasking:
        return [r.user for r in rfi.recipients if r.responded_at is None]
    if rfi.assignee is not None:
        return [rfi.assignee]
    if RfiStatus(rfi.status) == RfiStatus.PRIVACY_REVIEW:
        return active_users_with_role(Role.PRIVACY_OFFICER)
    return active_users_with_role(Role.COORDINATOR)


def notify_due_rfis(now: datetime | None = None) -> int:
    """Notify owners of due-soon and overdue RFIs; safe to re-run (dedupe keys per RFI,
    user, kind and due date). Returns how many notices were new. The caller commits."""
    now = now or clock.now()
    soon, overdue = rfis_due_soon_and_overdue(now)
    sent = 0
    for kind, rfis in (("due_soon", soon), ("overdue", overdue)):
        for rfi in rfis:
            owners = _owners(rfi)
            if kind == "overdue" and not rfi.is_tasking:
                # Escalation: coordinators hear about every overdue request.
                owners = list(
                    {u.id: u for u in owners + active_users_with_role(Role.COORDINATOR)}.values()
                )
            for user in owners:
                key = f"rfi:{rfi.id}:{kind}:{rfi.due_on.isoformat()}:user:{user.id}"
                title = (
                    f"{rfi.reference} is overdue (due {rfi.due_on.isoformat()})"
                    if kind == "overdue"
                    else f"{rfi.reference} is due {rfi.due_on.isoformat()}"
                )
                if _notify(user, f"rfi.{kind}", rfi, title, rfi.title, email=title, dedupe_key=key):
                    sent += 1
    return sent


def rfis_due_for_retention_review(today: date) -> sa.Select:
    """Criminal-intelligence RFIs whose 28 CFR Part 23 review date has come."""
    return (
        sa.select(Rfi)
        .where(Rfi.criminal_intelligence.is_(True), Rfi.review_due_on <= today)
        .order_by(Rfi.review_due_on, Rfi.id)
    )
