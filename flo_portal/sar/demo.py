"""Demo suspicious activity reports, made through the services (audit, notices)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from flo_portal.core.orm import utcnow
from flo_portal.demo import DemoContext, demo_step
from flo_portal.sar import services
from flo_portal.sar.models import SarCategory
from flo_portal.sar.workflow import Action


@demo_step(60)
def seed_sars(ctx: DemoContext) -> None:
    flo, chief = ctx.users.get("liaison_officer"), ctx.users.get("agency_head")
    analyst = ctx.users.get("analyst")
    if not (flo and chief and analyst):
        return
    now = utcnow()
    with current_app.test_request_context():
        services.submit_sar(
            flo,
            category=SarCategory.SURVEILLANCE,
            observed="Two men timed the guard rotation at the water plant's north gate with a "
            "stopwatch, sketched the fence line and left when approached.",
            observed_at=now - timedelta(days=1, hours=2),
            observed_tz="America/New_York",
            location="North gate, Harbor water treatment plant",
            subjects="Two adult men; white pickup, partial plate 7XJ",
            local_report="Capital City PD incident 26-0042",
            attested=True,
        )
        vetted = services.submit_sar(
            chief,
            category=SarCategory.THEFT,
            observed="Twelve blasting caps missing from a quarry magazine after a forced entry.",
            observed_at=now - timedelta(days=3),
            observed_tz="America/Chicago",
            location="Red Rock quarry explosives magazine",
            local_report="Reported to the ATF field office and county sheriff, case 26-1188",
            attested=True,
        )
        services.perform(analyst, vetted, Action.START_REVIEW)
        services.perform(analyst, vetted, Action.VET, note="Meets ISE-SAR criteria; shared.")
