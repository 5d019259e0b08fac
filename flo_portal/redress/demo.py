"""A demo redress request awaiting the privacy officer."""

from __future__ import annotations

from flask import current_app

from flo_portal.demo import DemoContext, demo_step
from flo_portal.redress import services


@demo_step(60)
def seed_redress(ctx: DemoContext) -> None:
    flo = ctx.users.get("liaison_officer")
    if flo is None:
        return
    with current_app.test_request_context():
        services.file_request(
            flo,
            requester_name=flo.name,
            requester_contact=flo.email,
            subject="Field interview card from the county fair",
            description="A field interview card about my brother may have been shared with the "
            "center. Please review whether it was kept and who received it.",
        )
