"""Demo RFIs in each state, made through the services (numbering, audit, notices)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from flo_portal.core import clock
from flo_portal.demo import DemoContext, demo_step
from flo_portal.rfis import services
from flo_portal.rfis.models import Tlp
from flo_portal.rfis.workflow import Action
from flo_portal.users.audience import Audience


@demo_step(30)
def seed_rfis(ctx: DemoContext) -> None:
    users = ctx.users
    flo, chief = users.get("liaison_officer"), users.get("agency_head")
    coordinator, analyst = users.get("coordinator"), users.get("analyst")
    if not (flo and chief and coordinator and analyst):
        return
    today = clock.today()
    with current_app.test_request_context():

        def submit(user, title, question, **kw):
            return services.submit_rfi(
                user,
                title=title,
                question=question,
                justification=kw.pop(
                    "justification",
                    "Pattern of thefts consistent with an organised ring.",
                ),
                priority=kw.pop("priority", "routine"),
                tlp=kw.pop("tlp", Tlp.AMBER),
                due_on=today + timedelta(days=kw.pop("days", 7)),
                attested=True,
            )

        def step(user, rfi, action, **kw):
            services.perform(user, rfi, action, expected_version=rfi.version, **kw)

        submit(
            flo,
            "Catalytic converter thefts on the east side",
            "Are other jurisdictions seeing catalytic converter thefts from fleet vehicles overnight?",
        )
        accepted = submit(
            chief,
            "Fuel tanker theft",
            "Any reports of a stolen fuel tanker (plate 7XJ-221)?",
            priority="urgent",
            days=2,
        )
        step(coordinator, accepted, Action.ACCEPT)
        step(coordinator, accepted, Action.ASSIGN, assignee_id=analyst.id)
        answered = submit(
            flo,
            "Drone over water treatment plant",
            "Has the center seen drone flights over water infrastructure this month?",
            priority="priority",
            tlp=Tlp.GREEN,
        )
        step(coordinator, answered, Action.ACCEPT)
        step(coordinator, answered, Action.ASSIGN, assignee_id=analyst.id)
        step(
            analyst,
            answered,
            Action.ANSWER,
            answer="Three reports statewide this month; indicators bulletin attached to the product feed.",
        )
        submit(
            flo,
            "Threats at a rally",
            "Who is behind online threats against the rally on Saturday?",
            justification="Specific threat of violence posted online.",
            tlp=Tlp.AMBER_STRICT,
        )
        services.create_tasking(
            analyst,
            title="Suspicious purchases of fertilizer",
            question="Have farm-supply stores in your area reported unusual bulk fertilizer purchases?",
            justification="Indicator from a federal partner's bulletin.",
            priority="priority",
            tlp=Tlp.GREEN,
            due_on=today + timedelta(days=5),
            audience=Audience(agency_ids=[a.id for a in ctx.agencies[:4]]),
        )
