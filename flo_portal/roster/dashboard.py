"""Dashboard cards for roster readers and FLOs (a few aggregate queries each)."""

from __future__ import annotations

from flask import url_for

from flo_portal.core.display import plural
from flo_portal.dashboard import card_provider, count_of
from flo_portal.roster.coverage import overall_percent
from flo_portal.roster.services import pending_nominations_select
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission
from flo_portal.training.queries import EXPIRING_SOON_DAYS, own_training


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
                "value": count_of(pending_nominations_select()),
                "hint": "nominated or in vetting",
                "link": url_for("roster.officers", status="nominated"),
            }
        )
    elif can(Permission.ROSTER_NOMINATE, user) and user.agency_id:
        cards.append(
            {
                "title": "Your nominations in progress",
                "value": count_of(pending_nominations_select(user.agency_id)),
                "hint": "nominated or in vetting",
                "link": url_for("roster.officers", status="nominated"),
            }
        )
    if not can(Permission.ROSTER_READ_ALL, user) and not can(
        Permission.ROSTER_READ_OWN_AGENCY, user
    ):
        own = own_training(user)
        if own is not None:
            officer, expiring = own.officer, own.expiring_soon
            cards.append(
                {
                    "title": "My training",
                    "value": "Current" if officer.training_current else "Not current",
                    "hint": f"{plural(expiring, 'required record')} "
                    f"{'expires' if expiring == 1 else 'expire'} within {EXPIRING_SOON_DAYS} days"
                    if expiring
                    else "",
                    "link": url_for("roster.profile", officer_id=officer.id),
                }
            )
    return cards
