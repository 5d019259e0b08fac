"""The FLO's "how to report suspicious activity" card: the guided SAR form, the center's
short reporting guide (a training-material product, chosen by the
``SAR_REPORTING_GUIDE_TOPIC`` setting) and the day the officer last completed SAR
awareness training (one aggregate over their training records)."""

from __future__ import annotations

from flask import url_for

from flo_portal.core.display import format_date
from flo_portal.dashboard import card_provider
from flo_portal.products.queries import reporting_guide_for
from flo_portal.roster.policies import officer_for_user
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission
from flo_portal.training.queries import last_sar_awareness_on


@card_provider
def how_to_report_card(user) -> list[dict]:
    if not can(Permission.SAR_SUBMIT, user):
        return []
    links = [("Report suspicious activity (guided form)", url_for("sar.new"))]
    guide = reporting_guide_for(user)
    if guide is not None:
        links.append(
            (f"Reporting guide: {guide.title}", url_for("products.detail", product_id=guide.id))
        )
    card = {"title": "How to report suspicious activity", "value": "", "hint": "", "links": links}
    officer = officer_for_user(user)
    if officer is not None:
        last = last_sar_awareness_on(officer.id)
        card["value"] = format_date(last) if last else "None on record"
        card["hint"] = "Your last SAR awareness training"
    return [card]
