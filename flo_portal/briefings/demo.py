"""Demo data: a few upcoming briefings with invitations (order 50)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flo_portal.briefings.models import BriefingMode, Recurrence
from flo_portal.briefings.services import BriefingData, schedule_briefing
from flo_portal.core import clock
from flo_portal.demo import DemoContext, demo_step
from flo_portal.users.audience import Audience


@demo_step(50)
def seed_briefings(ctx: DemoContext) -> None:
    coordinator = ctx.users.get("coordinator")
    today = datetime.combine(clock.today(), time.min)  # the center's midnight, wall-clock
    flo_ids = [u.id for u in ctx.users.values() if u.role == "liaison_officer"]
    plans = [
        BriefingData(
            title="Quarterly threat picture for partners",
            topic="Regional trends and indicators",
            presenter="Fusion center analytic unit",
            local_start=today + timedelta(days=2, hours=10),
            local_end=today + timedelta(days=2, hours=11, minutes=30),
            timezone="America/New_York",
            mode=BriefingMode.VIRTUAL,
            join_url="https://meet.example.gov/flo-quarterly",
            audience=Audience(all_flos=True),
        ),
        BriefingData(
            title="Suspicious activity reporting refresher",
            topic="ISE-SAR behaviour categories and privacy protections",
            presenter="Privacy officer and SAR unit",
            local_start=today + timedelta(days=9, hours=14),
            local_end=today + timedelta(days=9, hours=16),
            timezone="America/New_York",
            mode=BriefingMode.IN_PERSON,
            location="State fusion center, training room B",
            capacity=2,
            audience=Audience(user_ids=flo_ids),
        ),
        BriefingData(
            title="Monthly FLO roundtable",
            topic="Two-way information sharing",
            presenter="FLO program coordinator",
            local_start=today + timedelta(days=5, hours=9),
            local_end=today + timedelta(days=5, hours=10),
            timezone="America/Chicago",
            mode=BriefingMode.VIRTUAL,
            join_url="https://meet.example.gov/flo-roundtable",
            audience=Audience(all_flos=True),
            recurrence=Recurrence.MONTHLY,
            occurrences=3,
        ),
    ]
    for data in plans:
        schedule_briefing(data, coordinator)
