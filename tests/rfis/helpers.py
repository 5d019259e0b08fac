"""Building RFIs for tests through the real services (numbering, audit, history)."""

from __future__ import annotations

from datetime import timedelta

from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.rfis import services
from flo_portal.rfis.models import RfiStatus, Tlp
from flo_portal.rfis.workflow import Action
from flo_portal.users.audience import Audience

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def future(days: int = 7):
    return clock.today() + timedelta(days=days)


def submit(
    requester,
    *,
    title="Stolen fuel tanker sightings",
    question="Any reports of a stolen tanker?",
    justification="Possible theft ring targeting fuel depots.",
    priority="routine",
    tlp=Tlp.AMBER,
    due_days=7,
    files=(),
    commit=True,
):
    rfi = services.submit_rfi(
        requester,
        title=title,
        question=question,
        justification=justification,
        priority=priority,
        tlp=tlp,
        due_on=future(due_days),
        attested=True,
        files=list(files),
    )
    if commit:
        db.session.commit()
    return rfi


def task(
    sender,
    audience: Audience,
    *,
    title="Unusual drone activity",
    tlp=Tlp.GREEN,
    commit=True,
):
    rfi = services.create_tasking(
        sender,
        title=title,
        question="Have you seen drones over substations?",
        justification="Reports of probing near critical infrastructure.",
        priority="priority",
        tlp=tlp,
        due_on=future(3),
        audience=audience,
    )
    if commit:
        db.session.commit()
    return rfi


def force(rfi, **attrs):
    """Put an RFI straight into a state (for setting up a transition under test)."""
    for k, v in attrs.items():
        setattr(rfi, k, v)
    db.session.commit()
    return rfi


def answer_as(analyst, rfi, answer: str, **kw):
    """Put ``rfi`` in ``analyst``'s hands (forced) and answer it through the workflow
    (``kw``: more of the answer's fields, e.g. ``criminal_intelligence``); commits."""
    force(rfi, status=RfiStatus.ASSIGNED, assignee_id=analyst.id)
    services.perform(analyst, rfi, Action.ANSWER, expected_version=rfi.version, answer=answer, **kw)
    db.session.commit()
    return rfi


def post_action(client, rfi, action: str, note: str | None = None):
    """POST the RFI page's form for ``action`` (its version, and its note when given)."""
    data = {f"{action}-version": str(rfi.version)}
    if note is not None:
        data[f"{action}-note"] = note
    return client.post(f"/rfis/{rfi.id}/do/{action}", data=data)
