"""axe-core WCAG 2.1 AA on the main pages (no serious or critical violations), the
layout at 375 px, and keyboard-only use of the sign-in form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from flo_portal.security.permissions import Role

pytestmark = pytest.mark.browser

# (role, path) pairs; features append theirs.
MAIN_PAGES = [
    (None, "/auth/login"),
    (None, "/auth/password/forgot"),
    (Role.LIAISON_OFFICER, "/dashboard"),
    (Role.LIAISON_OFFICER, "/account/"),
    (Role.ADMIN, "/admin/users"),
    (Role.ADMIN, "/admin/users/new"),
    (Role.PRIVACY_OFFICER, "/audit/"),
]

# Briefings, notifications, jobs (issue 6)
MAIN_PAGES += [
    (Role.LIAISON_OFFICER, "/briefings/"),
    (Role.COORDINATOR, "/briefings/?view=month"),
    (Role.COORDINATOR, "/briefings/new"),
    (Role.LIAISON_OFFICER, "/briefings/feed"),
    (Role.LIAISON_OFFICER, "/notifications/"),
    (Role.LIAISON_OFFICER, "/notifications/preferences"),
    (Role.ADMIN, "/jobs/"),
]


def _signed_in_page(page, role, make_user, sign_in):
    if role is None:
        return
    kwargs = {}
    if Role(role).is_center_staff:
        import pyotp

        kwargs = {"mfa_secret": pyotp.random_base32(), "mfa_enabled": True}
    sign_in(page, make_user(role, **kwargs))


@pytest.mark.parametrize("role, path", MAIN_PAGES, ids=[p for _, p in MAIN_PAGES])
def test_page_is_accessible_and_fits_a_phone(page, live_server, make_user, sign_in, axe_check, shot, role, path):
    _signed_in_page(page, role, make_user, sign_in)
    page.goto(f"{live_server}{path}")
    assert page.url.startswith(f"{live_server}{path.split('?')[0]}")
    assert axe_check(page) == []
    shot(page, "a11y" + path.replace("/", "_").rstrip("_"))
    page.set_viewport_size({"width": 375, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"


def test_sign_in_by_keyboard_alone(page, live_server, make_user):
    user = make_user(Role.LIAISON_OFFICER, name="Kim Keyboard")
    page.goto(f"{live_server}/auth/login")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # brand
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mail")).to_be_focused()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type("a long enough test passphrase")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Welcome, Kim Keyboard")).to_be_visible()
