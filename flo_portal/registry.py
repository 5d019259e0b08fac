"""The features the app is made of: each declares itself once, here.

A feature is one package under ``flo_portal/``. Its line below says what the rest of the
portal needs to know of it, and every consumer reads it from here:

* the app factory: its blueprints (module with a ``bp``, URL prefix), its models (so
  Alembic and the ORM know them) and its ``flask`` commands (module with ``register(app)``);
* the scheduler: its jobs (``"module:function"``, a function ``fn(now) -> counts``,
  imported only when the job runs);
* ``flask seed-demo``: its demo module (whose steps register on import);
* the navigation: its entries; an entry is a tuple of options and the first option the
  user may open is shown (the RFI queue for the center, "RFIs" for an FLO);
* notification preferences: the kinds of notice it sends (a kind or a family prefix) and
  the label a user chooses a channel for.

This module holds data only; it imports nothing from the features.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flo_portal.security.permissions import Permission, Role, role_has

MINUTE = 60
HOUR = 3600
DAY = 86400


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    every_seconds: int
    target: str  # "package.module:function"


@dataclass(frozen=True)
class Nav:
    label: str
    endpoint: str
    permissions: tuple[Permission, ...] = ()  # any one of them; none: any signed-in user
    roles: tuple[Role, ...] = ()  # and, when given, one of these roles
    # The menu it is listed in (one of NAV_GROUPS); a menu a role has one entry of is
    # shown as that entry, so the navigation stays on one row for every role.
    group: str = ""

    def allows_role(self, role: str) -> bool:
        if self.roles and role not in {str(r) for r in self.roles}:
            return False
        return not self.permissions or any(role_has(role, p) for p in self.permissions)


@dataclass(frozen=True)
class Feature:
    name: str
    blueprints: tuple[tuple[str, str], ...] = ()
    models: str | None = None
    cli: str | None = None
    demo: str | None = None
    jobs: tuple[Job, ...] = ()
    nav: tuple[tuple[Nav, ...], ...] = ()
    notification_kinds: tuple[tuple[str, str], ...] = field(default=())


P = Permission

# Order matters where it shows: navigation entries appear in this order, after the
# dashboard; demo steps run in their own declared order (flo_portal/demo.py).
FEATURES: tuple[Feature, ...] = (
    Feature("main", blueprints=(("flo_portal.main.routes", ""),)),
    # /readyz, /metrics and `flask backup create|restore` (production operations).
    Feature("ops", blueprints=(("flo_portal.ops.routes", ""),), cli="flo_portal.ops.backup"),
    Feature(
        "auth",
        blueprints=(
            ("flo_portal.auth.routes", "/auth"),
            ("flo_portal.auth.passkey_routes", "/auth/passkeys"),
        ),
        models="flo_portal.auth.models",
        cli="flo_portal.auth.mfa",
    ),
    Feature(
        "users",
        blueprints=(("flo_portal.users.routes", "/account"),),
        models="flo_portal.users.models",
    ),
    Feature(
        "notifications",
        blueprints=(("flo_portal.notifications.routes", "/notifications"),),
        models="flo_portal.notifications.models",
        jobs=(
            Job(
                "outbox_delivery",
                "Outbox delivery (e-mail with retries)",
                MINUTE,
                "flo_portal.notifications.delivery:deliver_outbox",
            ),
            # Hourly: each user gets the digest at 07:00 in their own time zone.
            Job(
                "daily_digest",
                "Daily digest of unread notices",
                HOUR,
                "flo_portal.notifications.digest:send_daily_digests",
            ),
        ),
        notification_kinds=(("digest", "Daily digest of unread notices"),),
    ),
    Feature(
        "products",
        blueprints=(("flo_portal.products.routes", "/products"),),
        models="flo_portal.products.models",
        demo="flo_portal.products.demo",
        jobs=(
            Job(
                "retention_review",
                "Retention review (28 CFR Part 23)",
                DAY,
                "flo_portal.retention.jobs:run_retention_review",
            ),
            Job(
                "officer_safety_renotify",
                "Officer-safety alerts: re-notify unacknowledged",
                15 * MINUTE,
                "flo_portal.products.dissemination:renotify_unacknowledged_alerts",
            ),
        ),
        nav=(
            (Nav("Products", "products.feed", (P.PRODUCT_READ,), group="Products"),),
            (
                Nav(
                    "Product reviews",
                    "products.privacy_queue",
                    (P.PRIVACY_REVIEW,),
                    group="Products",
                ),
            ),
            (Nav("Retention", "products.retention", (P.RETENTION_REVIEW,), group="Products"),),
        ),
        notification_kinds=(("product", "Products and alerts"),),
    ),
    # Subscriptions (issue 15.1): the Following page lives in the account area (linked
    # from it and from product and briefing pages), so it has no navigation entry.
    Feature(
        "subscriptions",
        blueprints=(("flo_portal.subscriptions.routes", "/following"),),
        models="flo_portal.subscriptions.models",
        demo="flo_portal.subscriptions.demo",
        notification_kinds=(("following", "Products and briefings matching what you follow"),),
    ),
    Feature(
        "exchange",
        blueprints=(
            ("flo_portal.exchange.routes", "/exchange"),
            ("flo_portal.api.taxii", "/taxii2"),
        ),
        models="flo_portal.exchange.models",
        jobs=(
            Job(
                "taxii_poll",
                "Partner TAXII collections: import new reports as drafts",
                15 * MINUTE,
                "flo_portal.exchange.taxii_client:poll_partners",
            ),
        ),
        nav=((Nav("Partners", "exchange.partners", (P.PRODUCT_PUBLISH,), group="Products"),),),
    ),
    Feature(
        "rfis",
        blueprints=(("flo_portal.rfis.routes", "/rfis"),),
        models="flo_portal.rfis.models",
        demo="flo_portal.rfis.demo",
        jobs=(
            Job(
                "rfi_due",
                "RFI due-soon and overdue escalation",
                15 * MINUTE,
                "flo_portal.rfis.services:notify_due_rfis",
            ),
        ),
        nav=(
            (
                Nav("RFI queue", "rfis.queue", (P.RFI_QUEUE,), group="RFIs"),
                Nav("RFIs", "rfis.mine", (P.RFI_READ,), group="RFIs"),
            ),
            (Nav("Privacy review", "rfis.privacy_queue", (P.PRIVACY_REVIEW,), group="RFIs"),),
        ),
        notification_kinds=(("rfi", "Requests for information"),),
    ),
    Feature(
        "roster",
        blueprints=(("flo_portal.roster.routes", "/roster"),),
        models="flo_portal.roster.models",
        cli="flo_portal.roster.cli",
        demo="flo_portal.roster.demo",
        nav=(
            (
                Nav(
                    "Roster",
                    "roster.officers",
                    (P.ROSTER_READ_ALL, P.ROSTER_READ_OWN_AGENCY),
                    group="Network",
                ),
                Nav("My FLO record", "roster.me", roles=(Role.LIAISON_OFFICER,), group="Network"),
            ),
        ),
    ),
    Feature(
        "agreements",
        blueprints=(("flo_portal.agreements.routes", "/agreements"),),
        models="flo_portal.agreements.models",
        demo="flo_portal.agreements.demo",
        jobs=(
            Job(
                "agreement_announcements",
                "Agreements: tell everyone who must sign a version that took effect",
                HOUR,
                "flo_portal.agreements.services:announce_effective_versions",
            ),
        ),
        nav=((Nav("Agreements", "agreements.index", group="Network"),),),
        notification_kinds=(("agreement", "Agreements to sign"),),
    ),
    Feature(
        "agencies",
        blueprints=(("flo_portal.agencies.routes", "/agencies"),),
        models="flo_portal.agencies.models",
        nav=((Nav("Agencies", "agencies.index", (P.AGENCY_READ,), group="Network"),),),
    ),
    Feature(
        "training",
        blueprints=(
            ("flo_portal.training.routes", "/training"),
            ("flo_portal.training.cve_routes", "/training/cve"),
        ),
        models="flo_portal.training.models",
        jobs=(
            Job(
                "training_expiry",
                "Training-expiry notices (60/30/7 days)",
                HOUR,
                "flo_portal.training.expiry:send_training_expiry_notices",
            ),
            Job(
                "training_current_refresh",
                "Recompute which officers are training-current",
                HOUR,
                "flo_portal.training.services:refresh_training_current_job",
            ),
        ),
        nav=(
            (Nav("Training", "training.courses", (P.TRAINING_READ,), group="Network"),),
            (Nav("Coverage", "roster.coverage", (P.COVERAGE_READ,), group="Network"),),
            (Nav("CVE training review", "training_cve.report", (P.CVE_REVIEW,), group="Reports"),),
        ),
        notification_kinds=(("training.expiry", "Training about to expire (60, 30 and 7 days)"),),
    ),
    Feature(
        "briefings",
        blueprints=(("flo_portal.briefings.routes", "/briefings"),),
        models="flo_portal.briefings.models",
        demo="flo_portal.briefings.demo",
        jobs=(
            Job(
                "briefing_reminders",
                "Briefing reminders (24 h and 1 h before)",
                MINUTE,
                "flo_portal.briefings.reminders:send_due_reminders",
            ),
        ),
        nav=((Nav("Briefings", "briefings.index", (P.BRIEFING_READ,), group="Briefings"),),),
        notification_kinds=(
            ("briefing.invitation", "Briefing invitations"),
            ("briefing.reminder", "Briefing reminders (24 hours and 1 hour before)"),
            ("briefing.changed", "Briefing changes and cancellations"),
            ("briefing.waitlist", "Briefing waitlist places"),
        ),
    ),
    Feature(
        "jobs",
        blueprints=(("flo_portal.jobs.routes", "/jobs"),),
        models="flo_portal.jobs.models",
        cli="flo_portal.jobs.cli",
        jobs=(
            Job(
                "housekeeping",
                "Housekeeping: delete old job runs and delivered e-mails",
                DAY,
                "flo_portal.jobs.housekeeping:prune_old_rows",
            ),
        ),
        nav=((Nav("Jobs", "jobs.index", (P.JOBS_READ,), group="Admin"),),),
    ),
    # Development only (MAIL_BACKEND=sink): the mail the portal would have sent, for admins.
    Feature("mailsink", blueprints=(("flo_portal.mailsink.routes", "/dev/mail"),)),
    Feature(
        "sar",
        blueprints=(("flo_portal.sar.routes", "/sar"),),
        models="flo_portal.sar.models",
        demo="flo_portal.sar.demo",
        nav=(
            (
                Nav("SAR vetting", "sar.queue", (P.SAR_VET,), group="Reports"),
                Nav("SARs", "sar.mine", (P.SAR_SUBMIT,), group="Reports"),
            ),
        ),
        notification_kinds=(("sar", "Suspicious activity reports"),),
    ),
    Feature(
        "redress",
        blueprints=(("flo_portal.redress.routes", "/redress"),),
        models="flo_portal.redress.models",
        demo="flo_portal.redress.demo",
        nav=((Nav("Redress", "redress.index", group="Reports"),),),
        notification_kinds=(("redress", "Redress requests"),),
    ),
    Feature(
        "admin",
        blueprints=(("flo_portal.admin.routes", "/admin"),),
        models="flo_portal.admin.models",
        nav=((Nav("Users", "admin.users", (P.USERS_MANAGE,), group="Admin"),),),
    ),
    # Sign-in with an agency's OpenID Provider; unknown identities wait for a coordinator.
    Feature(
        "federation",
        blueprints=(("flo_portal.federation.routes", "/sso"),),
        models="flo_portal.federation.models",
        jobs=(
            Job(
                "federation_attempts_purge",
                "Agency sign-in: forget sign-in attempts older than a day",
                DAY,
                "flo_portal.federation.services:forget_old_attempts",
            ),
        ),
        nav=(
            (
                Nav(
                    "Sign-in providers",
                    "federation.providers",
                    (P.FEDERATION_MANAGE,),
                    group="Admin",
                ),
            ),
            (
                Nav(
                    "Sign-in links",
                    "federation.requests_queue",
                    (P.FEDERATION_REVIEW,),
                    group="Network",
                ),
            ),
        ),
    ),
    Feature(
        "audit",
        blueprints=(("flo_portal.audit.routes", "/audit"),),
        models="flo_portal.audit.models",
        cli="flo_portal.cli",
        jobs=(
            Job(
                "audit_checkpoint",
                "Audit trail: verify and write a signed checkpoint",
                HOUR,
                "flo_portal.audit.services:checkpoint_job",
            ),
        ),
        nav=((Nav("Audit log", "audit.index", (P.AUDIT_READ,), group="Reports"),),),
    ),
    # One search box over the portal (the navigation's search field, not a menu entry).
    Feature(
        "search",
        blueprints=(("flo_portal.search.routes", "/search"),),
        models="flo_portal.search.models",
        cli="flo_portal.search.cli",
    ),
    Feature(
        "api",
        blueprints=(
            ("flo_portal.api.routes", "/api/v1"),
            ("flo_portal.api.token_pages", "/account/tokens"),
        ),
        models="flo_portal.api.models",
    ),
)

# What the app factory reads (derived; add to FEATURES, not here).
BLUEPRINTS = [bp for f in FEATURES for bp in f.blueprints]
MODEL_MODULES = [f.models for f in FEATURES if f.models]
CLI_MODULES = [f.cli for f in FEATURES if f.cli]
DEMO_MODULES = [f.demo for f in FEATURES if f.demo]
JOBS = [job for f in FEATURES for job in f.jobs]
NOTIFICATION_KINDS = {kind: label for f in FEATURES for kind, label in f.notification_kinds}
NAV = [slot for f in FEATURES for slot in f.nav]
# The navigation's menus, left to right; entries of no group follow them as links.
NAV_GROUPS = ("Products", "RFIs", "Network", "Briefings", "Reports", "Admin")
