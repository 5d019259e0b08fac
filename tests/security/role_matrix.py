"""Who may open which page. Each feature adds its pages here.

PAGES maps a URL to the roles that get 200; every other role gets 403 and an anonymous
visitor is sent to sign in. URLs with object ids are built by the ``build`` functions
in OBJECT_PAGES (an object the viewer may not see answers 404: tested per feature).
"""

from flo_portal.security.permissions import Role

ALL = frozenset(Role)
CENTER = frozenset({Role.ADMIN, Role.COORDINATOR, Role.ANALYST, Role.PRIVACY_OFFICER})

PAGES: dict[str, frozenset[Role]] = {
    "/dashboard": ALL,
    "/account/": ALL,
    "/auth/password/change": ALL,
    "/admin/users": frozenset({Role.ADMIN}),
    "/admin/users/new": frozenset({Role.ADMIN}),
    "/audit/": frozenset({Role.ADMIN, Role.PRIVACY_OFFICER}),
    "/audit/export.csv": frozenset({Role.ADMIN, Role.PRIVACY_OFFICER}),
}
