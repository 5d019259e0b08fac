"""Demo data (order 20): the training catalogue, ~60 officers across the demo agencies with
realistic statuses and histories, training records (some expiring soon), and the demo FLO
accounts linked to their roster entries."""

from __future__ import annotations

from datetime import timedelta

from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.demo import DemoContext, demo_step
from flo_portal.roster.models import (
    FloLevel,
    Officer,
    OfficerStatus,
    OfficerStatusChange,
)
from flo_portal.training.cve_points import CVE_POINTS
from flo_portal.training.cve_reviews import PointAnswer, submit_review
from flo_portal.training.models import TrainingCourse, TrainingRecord
from flo_portal.training.services import expiry_for, refresh_training_current, refresh_validity

CATALOGUE = [
    # code, title, hours, provider, validity months, required, cve
    (
        "FLO-BASIC",
        "Basic Fusion Liaison Officer course",
        8,
        "State fusion center",
        36,
        True,
        False,
    ),
    (
        "FLO-INT-CVE",
        "Intermediate FLO: behaviours, indicators and CVE",
        16,
        "State fusion center",
        36,
        False,
        True,
    ),
    (
        "PRIV-CRCL",
        "Privacy, civil rights and civil liberties refresher",
        2,
        "Center privacy officer",
        12,
        True,
        False,
    ),
    (
        "SAR-101",
        "Suspicious activity reporting (ISE-SAR Functional Standard)",
        4,
        "NSI training",
        24,
        False,
        False,
    ),
    (
        "FLO-ADV",
        "Advanced FLO: analytic support and threat assessment",
        24,
        "State fusion center",
        0,
        False,
        False,
    ),
]
FIRST = [
    "Jordan",
    "Riley",
    "Avery",
    "Morgan",
    "Casey",
    "Taylor",
    "Jamie",
    "Drew",
    "Robin",
    "Kai",
    "Alexis",
    "Dana",
    "Emerson",
    "Harper",
    "Logan",
    "Parker",
    "Quinn",
    "Reese",
    "Sage",
    "Skyler",
]
LAST = [
    "Lee",
    "Chen",
    "Patel",
    "Garcia",
    "Johnson",
    "Okafor",
    "Nguyen",
    "Kowalski",
    "Haddad",
    "Silva",
    "Rossi",
    "Brown",
    "Walker",
    "Young",
    "Hill",
    "Lopez",
    "Kim",
    "Dubois",
    "Ivanova",
    "Murphy",
]
RANKS = {
    "law_enforcement": ["Officer", "Sergeant", "Detective", "Lieutenant"],
    "fire": ["Firefighter", "Captain", "Fire marshal"],
    "ems": ["Paramedic", "EMS supervisor"],
}
STATUS_MIX = [OfficerStatus.ACTIVE] * 7 + [
    OfficerStatus.INACTIVE,
    OfficerStatus.NOMINATED,
    OfficerStatus.VETTING,
    OfficerStatus.SUSPENDED,
    OfficerStatus.SEPARATED,
]
PATH = {  # the history that leads to each status
    OfficerStatus.NOMINATED: [OfficerStatus.NOMINATED],
    OfficerStatus.VETTING: [OfficerStatus.NOMINATED, OfficerStatus.VETTING],
    OfficerStatus.ACTIVE: [
        OfficerStatus.NOMINATED,
        OfficerStatus.VETTING,
        OfficerStatus.ACTIVE,
    ],
    OfficerStatus.INACTIVE: [
        OfficerStatus.NOMINATED,
        OfficerStatus.VETTING,
        OfficerStatus.ACTIVE,
        OfficerStatus.INACTIVE,
    ],
    OfficerStatus.SUSPENDED: [
        OfficerStatus.NOMINATED,
        OfficerStatus.VETTING,
        OfficerStatus.ACTIVE,
        OfficerStatus.SUSPENDED,
    ],
    OfficerStatus.SEPARATED: [
        OfficerStatus.NOMINATED,
        OfficerStatus.VETTING,
        OfficerStatus.ACTIVE,
        OfficerStatus.SEPARATED,
    ],
}
REASONS = {
    OfficerStatus.NOMINATED: "Nominated by the agency head",
    OfficerStatus.VETTING: "Background check requested",
    OfficerStatus.ACTIVE: "Vetting complete; NDA and privacy acknowledgement on file",
    OfficerStatus.INACTIVE: "Extended leave",
    OfficerStatus.SUSPENDED: "Suspended pending internal review",
    OfficerStatus.SEPARATED: "Left the agency",
}


def _review_cve_courses(ctx: DemoContext, courses: list[TrainingCourse]) -> None:
    """The privacy officer's checklist review of the demo's CVE course: every point met."""
    reviewer = ctx.users.get("privacy_officer")
    if reviewer is None:
        return
    answers = {
        p.key: PointAnswer("meets", evidence=f"Checked: {p.look_for.split(';')[0]}.")
        for p in CVE_POINTS
    }
    for course in courses:
        submit_review(course, answers, reviewer, note="Demo review of the course materials.")


@demo_step(20)
def seed_roster(ctx: DemoContext) -> None:
    rng, today = ctx.rng, clock.today()
    coordinator = ctx.users.get("coordinator")
    courses = []
    for code, title, hours, provider, months, required, cve in CATALOGUE:
        course = TrainingCourse(
            code=code,
            title=title,
            hours=hours,
            provider=provider,
            validity_months=months,
            required=required,
            is_cve=cve,
            is_sar_awareness=code == "SAR-101",
        )
        db.session.add(course)
        courses.append(course)
    db.session.flush()
    _review_cve_courses(ctx, [c for c in courses if c.is_cve])
    basic, inter, privacy, sar, _adv = courses

    officers: list[Officer] = []
    linked = {
        ctx.users[e].agency_id: ctx.users[e]
        for e in ("flo@capitalpd.example.gov", "flo@ccfire.example.gov")
        if e in ctx.users
    }
    if "liaison_officer" in ctx.users:  # the first FLO is stored under its role
        flo = ctx.users["liaison_officer"]
        linked[flo.agency_id] = flo
    for n in range(60):
        agency = ctx.agencies[n % len(ctx.agencies)]
        status = rng.choice(STATUS_MIX)
        user = linked.pop(agency.id, None)
        if user is not None:
            status = OfficerStatus.ACTIVE
            first, last = user.name.split()[-2], user.name.split()[-1]
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
        onboarded = today - timedelta(days=rng.randint(120, 1400))
        active_path = status not in (OfficerStatus.NOMINATED, OfficerStatus.VETTING)
        officer = Officer(
            agency_id=agency.id,
            user_id=user.id if user else None,
            external_id=f"DEMO-{n + 1:03d}",
            first_name=first,
            last_name=last,
            discipline=agency.discipline,
            rank_title=rng.choice(
                RANKS.get(agency.discipline.value, ["Coordinator", "Manager", "Specialist"])
            ),
            email=user.email
            if user
            else f"{first.lower()}.{last.lower()}{n}@{agency.contact_email.split('@')[-1]}",
            phone=f"555-02{n:02d}",
            flo_level=rng.choice(
                [
                    FloLevel.BASIC,
                    FloLevel.BASIC,
                    FloLevel.INTERMEDIATE,
                    FloLevel.ADVANCED,
                ]
            ),
            status=status,
            status_changed_at=utcnow() - timedelta(days=rng.randint(1, 90)),
            supervisor_approved_on=onboarded,
            nda_signed_on=onboarded + timedelta(days=7) if active_path else None,
            privacy_ack_on=onboarded + timedelta(days=7) if active_path else None,
            privacy_policy_version="2.1" if active_path else "",
        )
        db.session.add(officer)
        officers.append(officer)
    db.session.flush()

    for officer in officers:
        steps = PATH[OfficerStatus(officer.status)]
        when = utcnow() - timedelta(days=400 + rng.randint(0, 300))
        prev = None
        for step in steps:
            db.session.add(
                OfficerStatusChange(
                    officer_id=officer.id,
                    from_status=prev,
                    to_status=step,
                    changed_at=when,
                    changed_by_id=getattr(coordinator, "id", None),
                    reason=REASONS[step],
                )
            )
            prev, when = step, when + timedelta(days=rng.randint(10, 60))
        if officer.status in (OfficerStatus.NOMINATED, OfficerStatus.VETTING):
            continue
        plan = [
            (basic, rng.randint(30, 1000)),
            (privacy, rng.choice([20, 120, 200, 250, 290, 310, 340, 355, 380])),
        ]
        if officer.flo_level != FloLevel.BASIC or rng.random() < 0.3:
            plan.append((inter, rng.randint(60, 900)))
        if rng.random() < 0.4:
            plan.append((sar, rng.randint(30, 700)))
        if officer.user_id:  # the demo FLOs: current, with one record expiring within a month
            plan = [(basic, 200), (privacy, 345), (inter, 400)]
        for course, days_ago in plan:
            done = today - timedelta(days=days_ago)
            db.session.add(
                TrainingRecord(
                    officer_id=officer.id,
                    course_id=course.id,
                    completed_on=done,
                    expires_on=expiry_for(course, done),
                    source="demo",
                    verified_by_id=getattr(coordinator, "id", None),
                    verified_at=utcnow(),
                )
            )
    db.session.flush()
    refresh_validity()
    refresh_training_current()
