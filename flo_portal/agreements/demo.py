"""Demo agreements: a published NDA and privacy policy, in effect today, that FLOs and
agency heads sign at their next sign-in (after the roster's officers are made)."""

from __future__ import annotations

from flask import current_app

from flo_portal.agreements import services
from flo_portal.core import clock
from flo_portal.demo import DemoContext, demo_step
from flo_portal.security.permissions import Role

NDA_TEXT = """\
## Non-disclosure agreement

As a fusion liaison officer I will receive information marked **FOR OFFICIAL USE ONLY**
and **LAW ENFORCEMENT SENSITIVE**. I agree that:

1. I will use it only for the purpose for which it was shared with me.
2. I will not pass it on to anyone without a need and a right to know it, and never
   outside the dissemination its marking allows.
3. I will keep it stored and sent only through the means the center approves.
4. I will tell the FLO coordinator at once if I believe it was disclosed without authority.
"""

PRIVACY_TEXT = """\
## Privacy, civil rights and civil liberties policy

The center gathers, keeps and shares information only for a lawful purpose and never on
the basis of race, ethnicity, national origin, religion, gender or sexual orientation, or
for exercising rights protected by the First Amendment. Criminal intelligence follows
28 CFR Part 23. Questions and requests for redress go to the privacy officer.

By signing I acknowledge that I have read this policy and will follow it.
"""

SIGNERS = [Role.LIAISON_OFFICER.value, Role.AGENCY_HEAD.value]


@demo_step(90)
def seed_agreements(ctx: DemoContext) -> None:
    coordinator = ctx.users.get("coordinator")
    with current_app.test_request_context():
        for kind, version, title, text in (
            ("nda", "3.0", "Non-disclosure agreement (FOUO/LES)", NDA_TEXT),
            ("privacy", "2.2", "Privacy and civil-liberties policy", PRIVACY_TEXT),
        ):
            services.publish_version(
                coordinator,
                kind=kind,
                version=version,
                title=title,
                body_md=text,
                effective_on=clock.today(),
                roles=SIGNERS,
            )
