"""The features the app is made of. Add one line per feature; create_app() does the rest.

BLUEPRINTS: (module path with a ``bp`` Blueprint, URL prefix)
MODEL_MODULES: modules whose models Alembic and the app must know
CLI_MODULES: modules with a ``register(app)`` adding ``flask`` commands
"""

BLUEPRINTS = [
    ("flo_portal.main.routes", ""),
    ("flo_portal.auth.routes", "/auth"),
    ("flo_portal.users.routes", "/account"),
    ("flo_portal.admin.routes", "/admin"),
    ("flo_portal.audit.routes", "/audit"),
    ("flo_portal.notifications.routes", "/notifications"),
    ("flo_portal.briefings.routes", "/briefings"),
    ("flo_portal.jobs.routes", "/jobs"),
    ("flo_portal.products.routes", "/products"),
    ("flo_portal.rfis.routes", "/rfis"),
    ("flo_portal.agencies.routes", "/agencies"),
    ("flo_portal.roster.routes", "/roster"),
    ("flo_portal.training.routes", "/training"),
    ("flo_portal.api.routes", "/api/v1"),
    ("flo_portal.api.token_pages", "/account/tokens"),
    ("flo_portal.sar.routes", "/sar"),
    ("flo_portal.redress.routes", "/redress"),
]

MODEL_MODULES = [
    "flo_portal.agencies.models",
    "flo_portal.users.models",
    "flo_portal.auth.models",
    "flo_portal.admin.models",
    "flo_portal.audit.models",
    "flo_portal.notifications.models",
    "flo_portal.roster.models",
    "flo_portal.training.models",
    "flo_portal.products.models",
    "flo_portal.rfis.models",
    "flo_portal.api.models",
    "flo_portal.briefings.models",
    "flo_portal.jobs.models",
    "flo_portal.sar.models",
    "flo_portal.redress.models",
]

CLI_MODULES = [
    "flo_portal.cli",
    "flo_portal.jobs.cli",
    "flo_portal.roster.cli",
    "flo_portal.auth.mfa",
]
