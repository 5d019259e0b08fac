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
    "/admin/change-requests": frozenset({Role.ADMIN}),
    "/audit/": frozenset({Role.ADMIN, Role.PRIVACY_OFFICER}),
    "/audit/export.csv": frozenset({Role.ADMIN, Role.PRIVACY_OFFICER}),
}

# Roster, agencies, training, coverage (issue 3)
_ROSTER_READERS = frozenset({Role.COORDINATOR, Role.ANALYST, Role.AGENCY_HEAD})
PAGES.update(
    {
        "/roster/officers": _ROSTER_READERS,
        "/roster/officers/new": frozenset({Role.COORDINATOR, Role.AGENCY_HEAD}),
        "/roster/officers.csv": frozenset({Role.COORDINATOR}),
        "/roster/me": ALL,
        "/roster/coverage": frozenset({Role.COORDINATOR, Role.AGENCY_HEAD}),
        "/roster/coverage.csv": frozenset({Role.COORDINATOR, Role.AGENCY_HEAD}),
        "/roster/import": frozenset({Role.COORDINATOR}),
        "/agencies/": _ROSTER_READERS,
        "/agencies/new": frozenset({Role.COORDINATOR}),
        "/agencies/export.csv": frozenset({Role.COORDINATOR}),
        "/training/courses": _ROSTER_READERS,
        "/training/courses/new": frozenset({Role.COORDINATOR}),
        "/training/bulk": frozenset({Role.COORDINATOR}),
        "/training/records.csv": frozenset({Role.COORDINATOR}),
        # CVE training reviewed against the DHS guidance (issue 16)
        "/training/cve/": frozenset({Role.COORDINATOR, Role.PRIVACY_OFFICER}),
    }
)

# Intelligence products (issue 5)
_PRODUCT_READERS = frozenset(
    {Role.COORDINATOR, Role.ANALYST, Role.PRIVACY_OFFICER, Role.AGENCY_HEAD, Role.LIAISON_OFFICER}
)
PAGES.update(
    {
        "/products/": _PRODUCT_READERS,
        "/products/new": frozenset({Role.COORDINATOR, Role.ANALYST}),
        "/products/work": frozenset({Role.COORDINATOR, Role.ANALYST}),
        "/products/privacy-queue": frozenset({Role.PRIVACY_OFFICER}),
        "/products/reach": frozenset({Role.COORDINATOR, Role.ANALYST}),
        "/products/reach.csv": frozenset({Role.COORDINATOR, Role.ANALYST}),
        "/products/retention": frozenset({Role.PRIVACY_OFFICER}),
    }
)
# RFIs (issue 4)
_RFI_READERS = frozenset(
    {Role.COORDINATOR, Role.ANALYST, Role.PRIVACY_OFFICER, Role.AGENCY_HEAD, Role.LIAISON_OFFICER}
)
_PARTNERS = frozenset({Role.AGENCY_HEAD, Role.LIAISON_OFFICER})
PAGES.update(
    {
        "/rfis/": _RFI_READERS,
        "/rfis/agency": _PARTNERS,
        "/rfis/new": _PARTNERS,
        "/rfis/queue": frozenset({Role.COORDINATOR, Role.ANALYST}),
        "/rfis/task": frozenset({Role.COORDINATOR, Role.ANALYST}),
        "/rfis/privacy": frozenset({Role.PRIVACY_OFFICER}),
        "/rfis/metrics": frozenset({Role.COORDINATOR}),
        "/rfis/metrics.csv": frozenset({Role.COORDINATOR}),
    }
)

# Briefings, notifications, jobs (issue 6)
_BRIEFING_READERS = ALL - {Role.ADMIN}
PAGES.update(
    {
        "/briefings/": _BRIEFING_READERS,
        "/briefings/?view=month": _BRIEFING_READERS,
        "/briefings/?show=past": _BRIEFING_READERS,
        "/briefings/new": frozenset({Role.COORDINATOR}),
        "/briefings/feed": _BRIEFING_READERS,
        "/notifications/": ALL,
        "/notifications/preferences": ALL,
        "/jobs/": frozenset({Role.ADMIN, Role.COORDINATOR}),
    }
)

# API tokens and the JSON API (issue 7); the API answers 401/403 JSON, tested per role here
# with a browser session (bearer tokens: tests/api).
PAGES.update(
    {
        "/account/tokens/": ALL,
        "/api/v1/me": ALL,
        "/api/v1/agencies": frozenset({Role.COORDINATOR, Role.ANALYST, Role.AGENCY_HEAD}),
        "/api/v1/officers": ALL,
        "/api/v1/coverage": frozenset({Role.COORDINATOR, Role.AGENCY_HEAD}),
        "/api/v1/rfis": ALL - {Role.ADMIN},
        "/api/v1/products": ALL - {Role.ADMIN},
        "/api/v1/briefings": ALL - {Role.ADMIN},
    }
)

# Suspicious activity reports and redress (product brief)
PAGES.update(
    {
        "/sar/": frozenset({Role.AGENCY_HEAD, Role.LIAISON_OFFICER}),
        "/sar/new": frozenset({Role.AGENCY_HEAD, Role.LIAISON_OFFICER}),
        "/sar/queue": frozenset({Role.COORDINATOR, Role.ANALYST}),
        "/sar/queue?status=vetted": frozenset({Role.COORDINATOR, Role.ANALYST}),
        "/redress/": ALL,
        "/redress/?show=all": ALL,
        "/redress/new": ALL,
    }
)

# Sharing with partners (issue 17): coordinators register the TAXII collections polled.
PAGES.update(
    {
        "/exchange/partners": frozenset({Role.COORDINATOR}),
        "/exchange/partners/new": frozenset({Role.COORDINATOR}),
    }
)

# Subscriptions (issue 15.1): anyone signed in keeps their own list (what they are told
# is filtered by each item's policy); the follower counts are a reach figure.
PAGES.update(
    {
        "/following/": ALL,
        "/following/counts": frozenset({Role.COORDINATOR, Role.ANALYST}),
    }
)

# Agreements officers sign themselves (issue 16): everyone sees theirs; coordinators publish.
PAGES.update(
    {
        "/agreements/": ALL,
        "/agreements/new": frozenset({Role.COORDINATOR}),
    }
)

# Federated sign-in (issue 14.1, 14.3): admins configure providers; coordinators decide
# link requests. The sign-in pages themselves are public (tests/federation).
PAGES.update(
    {
        "/sso/providers": frozenset({Role.ADMIN}),
        "/sso/providers/new": frozenset({Role.ADMIN}),
        "/sso/requests": frozenset({Role.COORDINATOR}),
    }
)
