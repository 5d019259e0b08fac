"""Demo products (flask seed-demo, order 40): several types and TLP labels, published."""

from __future__ import annotations

from flo_portal.demo import DemoContext, demo_step
from flo_portal.products import authoring, lifecycle

DEMO_PRODUCTS = [
    # The FLOs' short reporting guide: its topic makes it the dashboard's "how to report"
    # link (config SAR_REPORTING_GUIDE_TOPIC).
    (
        "training_material",
        "TLP:CLEAR",
        "",
        "How to report suspicious activity",
        "What to report, how, and to whom: a one-page guide for FLOs.",
        (
            "## Report behaviour, not who someone is\n\n"
            "Report what a person *did* that fits one of the 16 ISE-SAR behaviour categories "
            "(for example testing security, surveillance of a facility, expressed threats). "
            "Who a person is, or what they lawfully believe or say, is never on its own a "
            "reason to report.\n\n"
            "## How\n\n1. If there is an immediate threat, call 911 first.\n"
            "2. Use the portal's guided SAR form (SARs → Report suspicious activity): what, "
            "when, where, who and vehicles, and your own agency's report number.\n"
            "3. The center vets every report against the Functional Standard and tells you "
            "the outcome.\n"
        ),
        {"all_flos": True},
        "sar-reporting-guide, suspicious activity reporting, training",
        False,
    ),
    (
        "officer_safety",
        "TLP:AMBER",
        "LAW ENFORCEMENT SENSITIVE",
        "Armed subject known to ambush responding officers",
        "A wanted subject has twice fired on officers answering domestic calls in the Central region.",
        (
            "## What we know\n\n- Two incidents in the last **10 days**, both after 22:00.\n"
            "- Subject drives a grey pickup with a covered bed.\n\n## What to do\n\n"
            "1. Stage for back-up before approach.\n2. Report sightings to the center's watch desk."
        ),
        {"agency_ids": [0, 1]},
        "officer safety, firearms",
        False,
    ),
    (
        "bulletin",
        "TLP:GREEN",
        "",
        "Copper theft from rail signal boxes",
        "Organised theft of copper cable is disabling rail signals across the state.",
        "Thieves cut cable at **unmanned signal boxes** at night. Check fencing and report cut locks.",
        {"all_flos": True},
        "theft, critical infrastructure, rail",
        False,
    ),
    (
        "situational_awareness",
        "TLP:CLEAR",
        "",
        "Severe weather: ice storm expected this weekend",
        "An ice storm may bring power cuts and road closures in the Central region.",
        "Plan for **extended power outages**; shelters will open at the county fairgrounds.",
        {"regions": ["Central"]},
        "weather, emergency management",
        False,
    ),
    (
        "intelligence_assessment",
        "TLP:AMBER+STRICT",
        "FOR OFFICIAL USE ONLY",
        "Assessment: fentanyl distribution network using ride-share drivers",
        "A distribution network moves fentanyl through hired ride-share drivers.",
        "We assess with **moderate confidence** that the network operates from two storage sites.",
        {"agency_ids": [0]},
        "narcotics, fentanyl",
        True,
    ),
    (
        "indicators_warnings",
        "TLP:RED",
        "",
        "Indicators: insider probing of the water treatment SCADA",
        "Named recipients only: indicators of insider probing at a water utility.",
        "- Repeated failed log-ins from an engineering workstation\n- Requests for network diagrams",
        {"user_ids": ["flo@capitalpd.example.gov"]},
        "cyber, water",
        False,
    ),
    (
        "reporting_guidance",
        "TLP:CLEAR",
        "",
        "How to report suspicious activity (ISE-SAR)",
        "The 16 ISE-SAR behaviour categories and how to report them to the center.",
        (
            "Report **behaviours**, not appearances. Activity that may be constitutionally "
            "protected needs additional facts before it is reported."
        ),
        {"all_flos": True},
        "SAR, training",
        False,
    ),
]


@demo_step(40)
def seed_products(ctx: DemoContext) -> None:
    analyst = ctx.users.get("analyst")
    coordinator = ctx.users.get("coordinator")
    if analyst is None or coordinator is None:
        return
    by_email = {u.email: u for u in ctx.users.values()}
    for ptype, tlp, caveats, title, summary, body, aud, topics, ci in DEMO_PRODUCTS:
        audience = {
            "agency_ids": [ctx.agencies[i].id for i in aud.get("agency_ids", [])],
            "user_ids": [by_email[e].id for e in aud.get("user_ids", []) if e in by_email],
            "regions": aud.get("regions", []),
            "all_flos": aud.get("all_flos", False),
        }
        product = authoring.create_product(
            analyst,
            {
                "product_type": ptype,
                "tlp": tlp,
                "caveats": caveats,
                "title": title,
                "summary": summary,
                "body_md": body,
                "topics": topics,
                "audience": audience,
                "criminal_intelligence": ci,
            },
        )
        lifecycle.transition(product, "submit", analyst)
        lifecycle.transition(product, "publish", coordinator)
    # one waiting in review, for the coordinator's queue
    product = authoring.create_product(
        analyst,
        {
            "product_type": "protective_measures",
            "tlp": "TLP:GREEN",
            "title": "Protective measures for polling sites",
            "summary": "Low-cost measures for election sites.",
            "body_md": "Lighting, access control, reporting.",
            "topics": "elections",
            "audience": {"all_flos": True},
        },
    )
    lifecycle.transition(product, "submit", analyst)
