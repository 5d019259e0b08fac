"""The feature manifest: every consumer reads what the features declare once."""

from __future__ import annotations

import importlib
import re

import pytest

from flo_portal import registry
from flo_portal.jobs.registry import JOBS
from flo_portal.notifications.services import KINDS
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory, UserFactory


def test_every_declared_module_and_job_target_exists():
    for feature in registry.FEATURES:
        for module in [m for m, _ in feature.blueprints] + [feature.models, feature.cli]:
            if module:
                importlib.import_module(module)
        for job in feature.jobs:
            module, _, name = job.target.partition(":")
            assert callable(getattr(importlib.import_module(module), name)), job.target


def test_the_scheduler_runs_exactly_the_declared_jobs():
    declared = {j.name for f in registry.FEATURES for j in f.jobs}
    assert set(JOBS) == declared and len(declared) == len(registry.JOBS)
    assert JOBS["rfi_due"].every_seconds == 15 * 60


def test_notification_preferences_offer_every_declared_kind():
    for feature in registry.FEATURES:
        for kind, label in feature.notification_kinds:
            assert KINDS[kind] == label
    assert {"sar", "redress", "rfi", "product", "briefing.reminder"} <= set(KINDS)


def test_every_nav_endpoint_is_a_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for options in registry.NAV:
        for option in options:
            assert option.endpoint in endpoints, option.endpoint


def _nav_labels(client) -> list[str]:
    html = client.get("/dashboard").get_data(as_text=True)
    nav = html.split('id="mainnav"', 1)[1].split('<ul class="navbar-nav">', 1)[0]
    return re.findall(r'class="(?:nav-link|dropdown-item)(?: active)?"[^>]*>([^<]+)</a>', nav)


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (
            Role.LIAISON_OFFICER,
            ["Products", "RFIs", "My FLO record", "SARs"],
            ["RFI queue", "Users"],
        ),
        (
            Role.COORDINATOR,
            ["RFI queue", "Roster", "Coverage", "SAR vetting"],
            ["RFIs", "My FLO record"],
        ),
        (Role.ADMIN, ["Users"], ["RFI queue", "Product reviews"]),
    ],
)
def test_the_navigation_shows_the_first_entry_of_each_slot_a_role_may_open(
    client, login_as, role, shown, hidden
):
    login_as(role)
    labels = _nav_labels(client)
    assert labels[0] == "Dashboard"
    for label in shown:
        assert label in labels, (role, labels)
    for label in hidden:
        assert label not in labels, (role, labels)
    assert labels.count("Redress") == 1


def _nav_menus(client) -> list[str]:
    html = client.get("/dashboard").get_data(as_text=True)
    nav = html.split('id="mainnav"', 1)[1].split('<ul class="navbar-nav">', 1)[0]
    return re.findall(r'data-bs-toggle="dropdown" aria-expanded="false">([^<]+)</button>', nav)


def test_entries_are_gathered_in_menus_and_a_menu_of_one_is_a_link(client, login_as):
    login_as(Role.COORDINATOR)
    menus = _nav_menus(client)
    assert menus[:2] == ["Products", "Network"], menus
    assert "RFIs" not in menus  # the coordinator's only RFI entry is the queue: a link
    login_as(Role.LIAISON_OFFICER)
    flo_menus = _nav_menus(client)
    assert "Admin" not in flo_menus and "Reports" in flo_menus  # SARs and redress
    for options in registry.NAV:
        for option in options:
            assert option.group in registry.NAV_GROUPS, option


def _current(client, path: str) -> tuple[list[str], list[str]]:
    """The highlighted top-level menus and links of the navigation on ``path``, and the
    labels marked aria-current."""
    html = client.get(path).get_data(as_text=True)
    nav = html.split('id="mainnav"', 1)[1].split('<ul class="navbar-nav">', 1)[0]
    active = re.findall(r'class="nav-link[^"]*\bactive"[^>]*>([^<]+)</(?:a|button)>', nav)
    marked = re.findall(r'aria-current="(?:page|true)"[^>]*>([^<]+)</a>', nav)
    return active, marked


def test_the_navigation_highlights_the_current_section(client, login_as, db):
    """USWDS header guidance: the section the page belongs to is highlighted, and the
    page itself is marked aria-current."""
    from tests.rfis.helpers import submit

    login_as(Role.COORDINATOR)
    assert _current(client, "/dashboard") == (["Dashboard"], ["Dashboard"])
    assert _current(client, "/rfis/queue") == (["RFI queue"], ["RFI queue"])
    rfi = submit(UserFactory(role=Role.LIAISON_OFFICER, agency=AgencyFactory()))
    active, marked = _current(client, f"/rfis/{rfi.id}")
    assert active == [] and marked == []  # an RFI is below /rfis/, not below the queue
    active, marked = _current(client, "/products/")
    assert active == ["Products"] and marked == ["Products"]
    active, marked = _current(client, "/roster/officers")
    assert "Network" in active and "Roster" in marked, (active, marked)
