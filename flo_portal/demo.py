"""Demo data for `flask seed-demo`. Features append steps with @demo_step.

Each step gets a ``DemoContext`` (shared RNG, the agencies and users made so far,
and a list of printed sign-ins) and adds its rows; the command commits once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pyotp
import sqlalchemy as sa

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.auth.mfa import generate_recovery_codes
from flo_portal.auth.passwords import hash_password
from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from flo_portal.users.models import User

DEMO_PASSWORD = "liaison demo passphrase 2026"  # noqa: S105 - printed for the demo on purpose

_STEPS: list[tuple[int, Callable]] = []


def demo_step(order: int) -> Callable:
    def decorator(fn: Callable) -> Callable:
        _STEPS.append((order, fn))
        return fn

    return decorator


@dataclass
class DemoContext:
    rng: random.Random
    agencies: list[Agency] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    sign_ins: list[dict] = field(default_factory=list)


DEMO_AGENCIES = [
    ("Capital City Police Department", Discipline.LAW_ENFORCEMENT, "Central", "Capital City"),
    ("Harbor County Sheriff's Office", Discipline.LAW_ENFORCEMENT, "Coastal", "Harbor County"),
    ("State Highway Patrol, Troop C", Discipline.LAW_ENFORCEMENT, "Northern", "Statewide"),
    ("Capital City Fire Rescue", Discipline.FIRE, "Central", "Capital City"),
    ("Pine Valley Fire District", Discipline.FIRE, "Northern", "Pine Valley"),
    ("Tri-County EMS Authority", Discipline.EMS, "Southern", "Tri-County"),
    ("State Department of Health", Discipline.PUBLIC_HEALTH, "Central", "Statewide"),
    (
        "Harbor County Emergency Management",
        Discipline.EMERGENCY_MANAGEMENT,
        "Coastal",
        "Harbor County",
    ),
    ("State Department of Corrections", Discipline.CORRECTIONS, "Central", "Statewide"),
    ("Riverbend Unified School District", Discipline.EDUCATION, "Southern", "Riverbend"),
    ("Metro Transit Authority", Discipline.TRANSPORTATION, "Central", "Capital City metro"),
    ("Red Cedar Tribal Police", Discipline.TRIBAL, "Northern", "Red Cedar Nation"),
    (
        "Coastal Power & Light (critical infrastructure)",
        Discipline.PRIVATE_SECTOR,
        "Coastal",
        "Regional grid",
    ),
]

DEMO_USERS = [
    ("admin@fusion.example.gov", "Alex Admin", Role.ADMIN, None),
    ("coordinator@fusion.example.gov", "Casey Coordinator", Role.COORDINATOR, None),
    ("analyst@fusion.example.gov", "Avery Analyst", Role.ANALYST, None),
    ("privacy@fusion.example.gov", "Parker Privacy", Role.PRIVACY_OFFICER, None),
    ("chief@capitalpd.example.gov", "Chief Morgan Reyes", Role.AGENCY_HEAD, 0),
    ("flo@capitalpd.example.gov", "Sgt. Jordan Lee", Role.LIAISON_OFFICER, 0),
    ("flo@ccfire.example.gov", "Capt. Riley Chen", Role.LIAISON_OFFICER, 3),
]


@demo_step(10)
def seed_agencies_and_users(ctx: DemoContext) -> None:
    for name, discipline, region, jurisdiction in DEMO_AGENCIES:
        slug = name.split()[0].lower()
        agency = Agency(
            name=name,
            discipline=discipline,
            region=region,
            jurisdiction=jurisdiction,
            contact_name="Duty officer",
            contact_email=f"duty@{slug}.example.gov",
            contact_phone=f"555-01{ctx.rng.randint(10, 99)}",
        )
        db.session.add(agency)
        ctx.agencies.append(agency)
    db.session.flush()
    password_hash = hash_password(DEMO_PASSWORD)
    for email, name, role, agency_index in DEMO_USERS:
        user = User(
            email=email,
            name=name,
            role=role,
            agency_id=ctx.agencies[agency_index].id if agency_index is not None else None,
            password_hash=password_hash,
        )
        entry = {"email": email, "password": DEMO_PASSWORD, "role": role.value, "totp": ""}
        # Center staff are enrolled; partner users are new, so they are walked through
        # enrolment at their first sign-in (within MFA_ENROLMENT_GRACE_DAYS).
        if role.is_center_staff:
            user.mfa_secret = pyotp.random_base32()
            user.mfa_enabled = True
            entry["totp"] = user.mfa_secret
        db.session.add(user)
        db.session.flush()
        if user.mfa_enabled:
            generate_recovery_codes(user)
        ctx.users[role.value if role.value not in ctx.users else email] = user
        ctx.sign_ins.append(entry)


def demo_already_seeded() -> bool:
    return db.session.scalar(sa.select(sa.func.count(User.id))) > 0


def run_demo(seed: int = 2026) -> DemoContext:
    """The whole demo world: every feature's demo module (the registry's manifest) is
    imported first, so the steps that run never depend on what happened to be imported."""
    import importlib

    from flo_portal.registry import DEMO_MODULES

    for module in DEMO_MODULES:
        importlib.import_module(module)
    ctx = DemoContext(rng=random.Random(seed))
    for _order, step in sorted(_STEPS, key=lambda s: s[0]):
        step(ctx)
    return ctx
