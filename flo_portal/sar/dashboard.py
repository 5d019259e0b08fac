"""The FLO's "how to report suspicious activity" card: the guided SAR form, the center's
short reporting guide (a training-material product, chosen by the
``SAR_REPORTING_GUIDE_TOPIC`` setting) and the day the officer last completed SAR
awareness training (``training.queries.own_training``, shared with the "My training"
card)."""

from __future__ import annotations

from flask import url_for

from flo_portal.core.display import format_date
from flo_portal.dashboard import card_provider
from flo_portal.products.queries import reporting_guide_for
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission
from flo_portal.training.queries import own_training


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
    own = own_training(user)
    if own is not None:
        last = own.last_sar_awareness_on
        card["value"] = format_date(last) if last else "None on record"
        card["hint"] = "Your last SAR awareness training"
    return [card]
