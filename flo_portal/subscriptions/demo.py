"""Demo follows, made before the demo products and briefings are released (step 35), so
the demo FLOs find "Following" notices and the counts page has figures."""

from __future__ import annotations

from flo_portal.demo import DemoContext, demo_step
from flo_portal.subscriptions.services import follow

DEMO_FOLLOWS = {
    "flo@capitalpd.example.gov": [
        ("topic", "critical infrastructure"),
        ("product_type", "officer_safety"),
    ],
    "flo@ccfire.example.gov": [("topic", "critical infrastructure"), ("region", "Central")],
    "coordinator@fusion.example.gov": [("product_type", "intelligence_assessment")],
}


@demo_step(35)
def seed_follows(ctx: DemoContext) -> None:
    by_email = {u.email: u for u in ctx.users.values()}
    for email, follows in DEMO_FOLLOWS.items():
        user = by_email.get(email)
        if user is None:
            continue
        for kind, value in follows:
            follow(user, kind, value)
