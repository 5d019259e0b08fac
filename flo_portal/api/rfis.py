"""/api/v1/rfis: list, read, submit, message and answer through the RFI services.

Who sees what is ``rfis.policies``; what may happen next is ``rfis.workflow`` (called by
``rfis.services.perform``). Service errors are answered by the app's one domain-error
handler: a refused transition answers 409 when the RFI's state does not allow it and 403
when your role or part in it does not; a stale ``version`` answers 409 naming ``version``;
input a person must correct answers 422.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_login import current_user
from pydantic import Field
from sqlalchemy.orm import joinedload

from flo_portal.api.blueprint import ID, bp
from flo_portal.api.errors import ApiError
from flo_portal.api.openapi import operations
from flo_portal.api.pagination import listed_page, where_given
from flo_portal.api.schemas import BodyText, In, LineText, ListQuery, Out, Page
from flo_portal.rfis import services
from flo_portal.rfis.models import Rfi, RfiDirection, RfiPriority, RfiStatus, Tlp
from flo_portal.rfis.policies import (
    visible_messages,
    visible_rfis_condition,
)
from flo_portal.rfis.queries import get_visible_rfi_or_404
from flo_portal.rfis.workflow import Action, allowed_actions
from flo_portal.security import Permission, require

op = operations("rfis")


class PersonRef(Out):
    id: int
    name: str


class RfiOut(Out):
    id: int
    reference: str
    direction: RfiDirection
    title: str
    priority: RfiPriority
    tlp: Tlp
    status: RfiStatus
    due_on: date
    submitted_at: datetime
    requester: PersonRef
    assignee: PersonRef | None
    agency_id: int | None
    version: int = Field(description="Send back as `version` when acting on the RFI.")


class MessageOut(Out):
    id: int
    author: PersonRef
    body: str
    created_at: datetime


class RfiDetailOut(RfiOut):
    question: str
    justification: str
    answer: str
    answered_at: datetime | None
    privacy_flagged: bool
    messages: list[MessageOut]
    allowed_actions: list[str] = Field(description="Actions the caller may take now.")


class RfiQuery(ListQuery):
    status: RfiStatus | None = None
    direction: RfiDirection | None = None
    priority: RfiPriority | None = None


class RfiIn(In):
    title: LineText = Field(min_length=1, max_length=200)
    question: BodyText = Field(min_length=1, max_length=20000)
    justification: BodyText = Field(
        min_length=1, max_length=20000, description="The criminal or threat nexus."
    )
    priority: RfiPriority = RfiPriority.ROUTINE
    tlp: Tlp = Tlp.AMBER
    due_on: date
    attested: bool = Field(
        description="The request is not based solely on First Amendment activity or on "
        "race, ethnicity, religion, national origin, gender or sexual orientation."
    )


class MessageIn(In):
    body: BodyText = Field(min_length=1, max_length=20000)


class AnswerIn(In):
    version: int = Field(ge=1, le=2**31 - 1, description="The `version` you last read.")
    answer: BodyText = Field(min_length=1, max_length=50000)
    criminal_intelligence: bool = False


def _detail(rfi: Rfi) -> RfiDetailOut:
    base = RfiOut.model_validate(rfi).model_dump()
    return RfiDetailOut(
        **base,
        question=rfi.question,
        justification=rfi.justification,
        answer=rfi.answer,
        answered_at=rfi.answered_at,
        privacy_flagged=rfi.privacy_flagged,
        messages=[MessageOut.model_validate(m) for m in visible_messages(current_user, rfi)],
        allowed_actions=[t.action.value for t in allowed_actions(current_user, rfi)],
    )


@bp.route("/rfis")
@require(Permission.RFI_READ)
@op("List RFIs", query=RfiQuery, response=Page[RfiOut])
def list_rfis(query: RfiQuery):
    """RFIs the caller may see (the RFI policy, as on the pages)."""
    stmt = (
        sa.select(Rfi)
        .where(visible_rfis_condition(current_user))
        .options(joinedload(Rfi.requester), joinedload(Rfi.assignee))
    )
    stmt = where_given(
        stmt,
        (Rfi.status, query.status),
        (Rfi.direction, query.direction),
        (Rfi.priority, query.priority),
    )
    values = RfiQuery.model_fields
    return listed_page(RfiOut, stmt, Rfi.id, query, "rfis", audit_as="rfi", values=values)


@bp.route(f"/rfis/<{ID}:rfi_id>")
@require(Permission.RFI_READ)
@op("One RFI with its conversation", response=RfiDetailOut)
def get_rfi(rfi_id: int):
    rfi = get_visible_rfi_or_404(current_user, rfi_id)
    services.read_rfi(current_user, rfi, via="api")
    return _detail(rfi)


@bp.route("/rfis", methods=["POST"])
@require(Permission.RFI_SUBMIT)
@op("Submit an RFI", body=RfiIn, response=RfiDetailOut, status=201)
def submit_rfi(body: RfiIn):
    """A request to the center from an FLO or agency head. Text naming protected activity
    goes to privacy review first (status `privacy_review`)."""
    if not body.attested:
        raise ApiError(422, "Make the attestation.", fields={"attested": ["Must be true."]})
    rfi = services.submit_rfi(
        current_user,
        title=body.title,
        question=body.question,
        justification=body.justification,
        priority=body.priority,
        tlp=body.tlp,
        due_on=body.due_on,
        attested=body.attested,
    )
    return _detail(rfi), 201


@bp.route(f"/rfis/<{ID}:rfi_id>/messages", methods=["POST"])
@require(Permission.RFI_READ)
@op(
    "Add to an RFI's conversation",
    body=MessageIn,
    response=MessageOut,
    status=201,
    errors=(403, 409),
)
def post_rfi_message(rfi_id: int, body: MessageIn):
    rfi = get_visible_rfi_or_404(current_user, rfi_id)
    message = services.post_message(current_user, rfi, body.body)
    return MessageOut.model_validate(message), 201


@bp.route(f"/rfis/<{ID}:rfi_id>/answer", methods=["POST"])
@require(Permission.RFI_ANSWER)
@op("Answer an assigned RFI", body=AnswerIn, response=RfiDetailOut, errors=(403, 409))
def answer_rfi(rfi_id: int, body: AnswerIn):
    """The assignee answers (status `assigned` → `answered`). 409 when the RFI is not in
    `assigned` or when `version` is stale; 403 when it is not assigned to the caller."""
    rfi = get_visible_rfi_or_404(current_user, rfi_id)
    services.perform(
        current_user,
        rfi,
        Action.ANSWER,
        expected_version=body.version,
        answer=body.answer,
        criminal_intelligence=body.criminal_intelligence,
    )
    return _detail(get_visible_rfi_or_404(current_user, rfi_id))
