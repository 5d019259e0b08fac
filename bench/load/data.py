"""The load benchmark's data set, bulk-inserted with SQLAlchemy Core.

At scale 1: 500 agencies, 10,000 officers (half of them with a partner account, one
agency head per agency), 60,000 training records, 100,000 RFIs, 50,000 published
products (audience, version and ~4 recipient rows each), 60 briefings with invitations
and 30,000 notifications, plus the center's staff. A few accounts of every role get a
known password (and, for the roles that must use it, a TOTP secret) so the benchmark
signs them in through the real sign-in pages.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from bench.rfis import WORDS, _text, rfi_row
from bench.roster import FIRST, LAST, STATUSES, make_agencies, make_courses, make_records
from flo_portal.agencies.models import Agency
from flo_portal.briefings.models import Briefing, BriefingInvitation, BriefingStatus
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.notifications.models import Notification
from flo_portal.products.models import (
    Product,
    ProductAudience,
    ProductRecipient,
    ProductStatus,
    ProductType,
    ProductVersion,
    ProductVersionAudience,
)
from flo_portal.products.models import Tlp as ProductTlp
from flo_portal.rfis.models import Rfi, RfiCounter
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.security.permissions import Role
from flo_portal.training.services import refresh_training_current
from flo_portal.users.models import User

PASSWORD = "bench-Load-Passphrase-7c1d9e"
STAFF = {  # role: how many accounts (the first few of each sign in)
    Role.COORDINATOR: 8,
    Role.ANALYST: 25,
    Role.PRIVACY_OFFICER: 3,
    Role.ADMIN: 2,
}
SIGN_IN_PER_ROLE = {  # accounts per role the benchmark signs in
    Role.COORDINATOR: 2,
    Role.ANALYST: 3,
    Role.PRIVACY_OFFICER: 1,
    Role.ADMIN: 1,
    Role.AGENCY_HEAD: 2,
    Role.LIAISON_OFFICER: 8,
}
BATCH = 5000


@dataclass
class Account:
    id: int
    email: str
    role: str
    totp: str | None  # TOTP secret when the account uses MFA
    agency_id: int | None = None


@dataclass
class World:
    counts: dict[str, int]
    accounts: dict[str, list[Account]] = field(default_factory=dict)
    officer_id: int = 0  # an active officer (officer detail page)
    rfi_id: int = 0  # an RFI of the first FLO account (RFI detail page)
    product_id: int = 0  # a product the first FLO account may read (product detail page)
    built_s: float = 0.0


def sizes(scale: float) -> dict[str, int]:
    def n(x: int, low: int) -> int:
        return max(low, int(x * scale))

    return {
        "agencies": n(500, 10),
        "officers": n(10_000, 100),
        "training records": n(60_000, 300),
        "RFIs": n(100_000, 500),
        "products": n(50_000, 250),
        "briefings": n(60, 10),
        "notifications": n(30_000, 200),
    }


def _insert(table, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        db.session.execute(table.insert(), rows[i : i + BATCH])


def _accounts(sizes_: dict[str, int], rng: random.Random) -> dict[str, list[Account]]:
    """Partner accounts (half the officers) and staff; returns the sign-in accounts."""
    from flo_portal.auth.mfa import encrypt_secret, new_secret
    from flo_portal.auth.passwords import hash_password

    pw_hash = hash_password(PASSWORD)
    now = utcnow()
    agencies = list(db.session.scalars(sa.select(Agency.id).order_by(Agency.id)))
    n_partners = sizes_["officers"] // 2
    rows, signing = [], {}
    wanted = dict(SIGN_IN_PER_ROLE)

    def add(email, name, role, agency_id):
        sign = wanted.get(role, 0) > 0
        totp = None
        if sign:
            wanted[role] -= 1
            if Role(role).is_center_staff:
                totp = new_secret()
        rows.append(
            {
                "email": email,
                "name": name,
                "role": role,
                "agency_id": agency_id,
                "password_hash": pw_hash if sign else None,
                "session_token": uuid.uuid4().hex,
                "active": True,
                "timezone": "America/New_York",
                "mfa_enabled": totp is not None,
                "mfa_secret_encrypted": encrypt_secret(totp) if totp else None,
                "failed_logins": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        if sign:
            signing[email] = (role, totp)

    for role, count in STAFF.items():
        for i in range(count):
            add(f"{role.value}{i}@fusion.example.gov", f"{role.label} {i}", role, None)
    for i in range(n_partners):
        # one agency head per agency (the first partners), then FLOs round the agencies
        role = Role.AGENCY_HEAD if i < len(agencies) else Role.LIAISON_OFFICER
        agency = agencies[i % len(agencies)]
        add(
            f"flo{i}@partner.example.gov",
            f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
            role,
            agency,
        )
    _insert(User.__table__, rows)
    db.session.flush()
    found = db.session.execute(
        sa.select(User.id, User.email, User.role, User.agency_id).where(
            User.email.in_(list(signing))
        )
    ).all()
    accounts: dict[str, list[Account]] = {}
    for uid, email, role, agency_id in sorted(found):
        accounts.setdefault(str(role), []).append(
            Account(uid, email, str(role), signing[email][1], agency_id)
        )
    return accounts


def _officers(n: int, rng: random.Random) -> None:
    now, today = utcnow(), clock.today()
    agencies = db.session.execute(sa.select(Agency.id, Agency.discipline).order_by(Agency.id)).all()
    partners = db.session.execute(
        sa.select(User.id, User.agency_id).where(User.agency_id.is_not(None)).order_by(User.id)
    ).all()
    by_agency: dict[int, list[int]] = {}
    for uid, aid in partners:
        by_agency.setdefault(aid, []).append(uid)
    rows = []
    for i in range(n):
        agency_id, discipline = agencies[i % len(agencies)]
        users = by_agency.get(agency_id) or []
        user_id = users.pop(0) if users else None
        status = OfficerStatus.ACTIVE if user_id else rng.choice(STATUSES)
        onboard = (
            today - timedelta(days=400)
            if status
            in (
                OfficerStatus.ACTIVE,
                OfficerStatus.INACTIVE,
            )
            else None
        )
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            {
                "agency_id": agency_id,
                "user_id": user_id,
                "external_id": f"L-{i:06d}",
                "first_name": first,
                "last_name": last,
                "rank_title": rng.choice(["Officer", "Sergeant", "Detective", "Captain"]),
                "discipline": discipline,
                "email": f"{first.lower()}.{last.lower()}.{i}@agency.example.gov",
                "phone": f"555-{i % 10000:04d}",
                "mobile": "",
                "version": 1,
                "flo_level": rng.choice(["basic", "basic", "intermediate", "advanced"]),
                "status": status,
                "status_changed_at": now,
                "supervisor_approved_on": onboard,
                "nda_signed_on": onboard,
                "privacy_ack_on": onboard,
                "privacy_policy_version": "",
                "training_current": False,
                "notes": "",
                "created_at": now,
                "updated_at": now,
            }
        )
    _insert(Officer.__table__, rows)


def _rfis(n: int, rng: random.Random, flo_ids: list[int]) -> None:
    now, today = utcnow(), clock.today()
    partners = db.session.execute(
        sa.select(User.id, User.agency_id).where(User.agency_id.is_not(None))
    ).all()
    flo_rows = [p for p in partners if p[0] in set(flo_ids)]
    analysts = list(db.session.scalars(sa.select(User.id).where(User.role == Role.ANALYST)))
    seq: dict[int, int] = {}
    rows = []
    for i in range(n):
        # the sign-in FLOs hold ~1 % of the RFIs between them (a busy officer's list)
        requester, agency = rng.choice(flo_rows) if i % 100 == 0 else rng.choice(partners)
        submitted = now - timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60))
        year = submitted.year
        seq[year] = seq.get(year, 0) + 1
        rows.append(
            rfi_row(
                rng,
                reference=f"RFI-{year}-{seq[year]:05d}",
                year=year,
                seq=seq[year],
                submitted=submitted,
                today=today,
                requester=requester,
                agency=agency,
                analysts=analysts,
            )
        )
    _insert(Rfi.__table__, rows)
    _insert(RfiCounter.__table__, [{"year": y, "last_seq": s} for y, s in seq.items()])


def _products(n: int, rng: random.Random, flo_ids: list[int]) -> None:
    """Published products; audience JSON, audience rows (the effective audience under the
    TLP, as the portal's sync_audience_rows writes them), version 1 and recipients."""
    from flo_portal.products.policies import audience_rows, effective_audience
    from flo_portal.users.audience import Audience

    now = utcnow()
    agencies = db.session.execute(sa.select(Agency.id, Agency.discipline, Agency.region)).all()
    author = db.session.scalar(sa.select(User.id).where(User.role == Role.ANALYST).limit(1))
    user_ids = list(db.session.scalars(sa.select(User.id).where(User.agency_id.is_not(None))))
    types = list(ProductType)
    rows, audiences, people = [], [], []
    for i in range(n):
        when = now - timedelta(minutes=(n - i) * 7)
        recent = i >= n - 200  # the newest 200 reach every sign-in partner by name
        form = rng.random()
        if recent:
            aud = Audience(user_ids=list(flo_ids))
        elif form < 0.1:
            aud = Audience(all_flos=True)
        elif form < 0.6:
            aud = Audience(agency_ids=[a[0] for a in rng.sample(agencies, 3)])
        elif form < 0.75:
            aud = Audience(disciplines=[str(rng.choice(agencies)[1])])
        elif form < 0.9:
            aud = Audience(regions=[rng.choice(agencies)[2]])
        else:
            aud = Audience(user_ids=rng.sample(user_ids, 2))
        tlp = rng.choice(list(ProductTlp)) if not recent else ProductTlp.GREEN
        audiences.append(audience_rows(effective_audience(aud, tlp)))
        people.append(set(flo_ids) if recent else set(rng.sample(user_ids, 4)))
        rows.append(
            {
                "reference": f"PRD-L-{i:06d}",
                "product_type": ProductType.OFFICER_SAFETY if i >= n - 40 else rng.choice(types),
                "tlp": tlp,
                "title": " ".join(rng.sample(WORDS, 3)) + f" {i}",
                "summary": " ".join(rng.sample(WORDS, 5)),
                "body_md": " ".join(rng.choices(WORDS, k=60)),
                "caveats": "",
                "topics": rng.choice(WORDS),
                "audience": aud.to_json(),
                "status": ProductStatus.PUBLISHED,
                "author_id": author,
                "privacy_review_requested": False,
                "privacy_status": "not_needed",
                "privacy_reasons": "",
                "review_note": "",
                "version": 1,
                "published_at": when,
                "last_published_at": when,
                "published_by_id": author,
                "withdrawn_reason": "",
                "criminal_intelligence": False,
                "created_at": when,
                "updated_at": when,
            }
        )
    _insert(Product.__table__, rows)
    products = db.session.execute(
        sa.select(Product.id, Product.title, Product.tlp, Product.published_at).order_by(Product.id)
    ).all()
    _insert(
        ProductVersion.__table__,
        [
            {
                "product_id": pid,
                "number": 1,
                "title": title,
                "summary": "",
                "body_md": "",
                "tlp": str(tlp),
                "published_at": at,
                "published_by_id": author,
            }
            for pid, title, tlp, at in products
        ],
    )
    version_of = dict(
        db.session.execute(sa.select(ProductVersion.product_id, ProductVersion.id)).all()
    )
    aud_rows, vaud_rows, rec = [], [], []
    for (pid, *_rest), kinds, users in zip(products, audiences, people, strict=True):
        for kind, value in kinds:
            aud_rows.append({"product_id": pid, "kind": kind, "value": value})
            vaud_rows.append({"version_id": version_of[pid], "kind": kind, "value": value})
        rec += [
            {
                "product_id": pid,
                "version": 1,
                "user_id": u,
                "disseminated_at": now,
                "rule": "bench",
                "opened_at": now if rng.random() < 0.6 and len(users) == 4 else None,
            }
            for u in users
        ]
    _insert(ProductAudience.__table__, aud_rows)
    _insert(ProductVersionAudience.__table__, vaud_rows)
    _insert(ProductRecipient.__table__, rec)


def _briefings(n: int, rng: random.Random, invitee_ids: list[int]) -> None:
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    creator = db.session.scalar(sa.select(User.id).where(User.role == Role.COORDINATOR).limit(1))
    partners = list(db.session.scalars(sa.select(User.id).where(User.agency_id.is_not(None))))
    rows = []
    for i in range(n):
        start = now + timedelta(days=rng.randint(-30, 45), hours=rng.randint(0, 8))
        rows.append(
            {
                "title": f"Briefing {i}: " + " ".join(rng.sample(WORDS, 3)),
                "topic": rng.choice(WORDS),
                "presenter": "Analyst 0",
                "description": _text(rng, 30),
                "starts_at": start,
                "ends_at": start + timedelta(hours=1),
                "timezone": "America/New_York",
                "mode": "in_person",
                "location": "Auditorium",
                "join_url": "",
                "capacity": None,
                "audience": {},
                "recurrence": "none",
                "status": BriefingStatus.SCHEDULED,
                "cancel_reason": "",
                "created_by_id": creator,
                "sequence": 0,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    _insert(Briefing.__table__, rows)
    ids = list(db.session.scalars(sa.select(Briefing.id).order_by(Briefing.id)))
    inv = []
    for bid in ids:
        people = set(rng.sample(partners, min(200, len(partners)))) | set(invitee_ids)
        inv += [
            {"briefing_id": bid, "user_id": u, "status": "pending", "invited_at": now}
            for u in people
        ]
    _insert(BriefingInvitation.__table__, inv)


def _notifications(n: int, rng: random.Random, account_ids: list[int]) -> None:
    now = utcnow()
    partners = list(db.session.scalars(sa.select(User.id).where(User.agency_id.is_not(None))))
    rows = []
    for i in range(n):
        uid = account_ids[i % len(account_ids)] if i % 10 == 0 else rng.choice(partners)
        rows.append(
            {
                "user_id": uid,
                "kind": rng.choice(["product", "rfi", "briefing"]),
                "title": _text(rng, 6),
                "body": _text(rng, 20),
                "link": "/dashboard",
                "created_at": now - timedelta(minutes=i),
                "read_at": now if rng.random() < 0.7 else None,
            }
        )
    _insert(Notification.__table__, rows)


def build(scale: float, seed: int = 12) -> World:
    """Fill the (migrated, empty) database of the current app; commits."""
    import time

    from bench.harness import vacuum_analyze

    started = time.perf_counter()
    rng = random.Random(seed)
    n = sizes(scale)
    make_agencies(n["agencies"], rng)
    make_courses()
    db.session.flush()
    accounts = _accounts(n, rng)
    _officers(n["officers"], rng)
    db.session.flush()
    make_records(n["training records"], rng)
    refresh_training_current()
    partners = accounts[Role.LIAISON_OFFICER] + accounts[Role.AGENCY_HEAD]
    partner_ids = [a.id for a in partners]
    _rfis(n["RFIs"], rng, partner_ids)
    _products(n["products"], rng, partner_ids)
    _briefings(n["briefings"], rng, partner_ids)
    _notifications(n["notifications"], rng, [a.id for v in accounts.values() for a in v])
    db.session.commit()
    vacuum_analyze()
    world = World(counts=n, accounts=accounts)
    flo = accounts[Role.LIAISON_OFFICER][0]
    world.officer_id = db.session.scalar(
        sa.select(Officer.id).where(Officer.status == OfficerStatus.ACTIVE).order_by(Officer.id)
    )
    world.rfi_id = db.session.scalar(
        sa.select(Rfi.id).where(Rfi.requester_id == flo.id).order_by(Rfi.id.desc())
    )
    world.product_id = db.session.scalar(
        sa.select(ProductRecipient.product_id)
        .where(ProductRecipient.user_id == flo.id)
        .order_by(ProductRecipient.product_id.desc())
    )
    world.built_s = time.perf_counter() - started
    return world
