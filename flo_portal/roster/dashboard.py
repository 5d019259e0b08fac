"""Dashboard cards for roster readers and FLOs (a few aggregate queries each)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import url_for

from flo_portal.core import clock
from flo_portal.core.display import plural
from flo_portal.core.extensions import db
from flo_portal.dashboard import card_provider
from flo_portal.roster.coverage import overall_percent
from flo_portal.roster.policies import officer_for_user
from flo_portal.roster.services import pending_nominations_count
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission
from flo_portal.training.models import TrainingCourse, TrainingRecord
from flo_portal.training.services import required_condition


@card_provider
def roster_cards(user) -> list[dict]:
    cards = []
    if can(Permission.COVERAGE_READ, user):
        percent, current, active = overall_percent(user)
        cards.append(
            {
                "title": "Training coverage",
                "value": "—" if percent is None else f"{percent}%",
                "hint": f"{current} of {active} active officers current",
                "link": url_for("roster.coverage"),
            }
        )
    if can(Permission.ROSTER_VET, user):
        cards.append(
            {
                "title": "Nominations waiting",
                "value": pending_nominations_count(),
                "hint": "nominated or in vetting",
                "link": url_for("roster.officers", status="nominated"),
            }
        )
    elif can(Permission.ROSTER_NOMINATE, user) and user.agency_id:
        cards.append(
            {
                "title": "Your nominations in progress",
                "value": pending_nominations_count(user.agency_id),
                "hint": "nominated or in vetting",
                "link": url_for("roster.officers", status="nominated"),
            }
        )
    if not can(Permission.ROSTER_READ_ALL, user) and not can(
        Permission.ROSTER_READ_OWN_AGENCY, user
    ):
        officer = officer_for_user(user)
        if officer is not None:
            soon = clock.today() + timedelta(days=60)
            expiring = db.session.scalar(
                sa.select(sa.func.count(TrainingRecord.id))
                .join(TrainingCourse, TrainingCourse.id == TrainingRecord.course_id)
                .where(
                    TrainingRecord.officer_id == officer.id,
                    required_condition(),
                    TrainingRecord.expires_on.is_not(None),
                    TrainingRecord.expires_on > clock.today(),
                    TrainingRecord.expires_on <= soon,
                )
            )
            cards.append(
                {
                    "title": "My training",
                    "value": "Current" if officer.training_current else "Not current",
                    "hint": f"{plural(expiring, 'required record')} "
                    f"{'expires' if expiring == 1 else 'expire'} within 60 days"
                    if expiring
                    else "",
                    "link": url_for("roster.profile", officer_id=officer.id),
                }
            )
    return cards
