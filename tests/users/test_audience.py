"""The audience rule: SQL and Python give the same answer."""

import pytest

from flo_portal.agencies.models import Discipline
from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from flo_portal.users.audience import Audience, recipients_query, user_in_audience
from tests.factories import AgencyFactory


@pytest.fixture
def world(make_user):
    police = AgencyFactory(discipline=Discipline.LAW_ENFORCEMENT, region="North")
    fire = AgencyFactory(discipline=Discipline.FIRE, region="South")
    closed = AgencyFactory(discipline=Discipline.FIRE, region="South", active=False)
    return {
        "cop": make_user(Role.LIAISON_OFFICER, agency=police),
        "chief": make_user(Role.AGENCY_HEAD, agency=police),
        "firefighter": make_user(Role.LIAISON_OFFICER, agency=fire),
        "closed_flo": make_user(Role.LIAISON_OFFICER, agency=closed),
        "analyst": make_user(Role.ANALYST),
        "gone": make_user(Role.LIAISON_OFFICER, agency=fire, is_active_account=False),
        "police": police,
        "fire": fire,
    }


@pytest.mark.parametrize(
    "spec, expected",
    [
        ({"all_flos": True}, {"cop", "chief", "firefighter"}),
        ({"disciplines": ["fire"]}, {"firefighter"}),
        ({"regions": ["North"]}, {"cop", "chief"}),
        ({}, set()),
        ({"user_ids": ["analyst"]}, {"analyst"}),
        ({"agency_ids": ["police"], "user_ids": ["firefighter"]}, {"cop", "chief", "firefighter"}),
    ],
)
def test_sql_and_python_agree(world, spec, expected):
    spec = dict(spec)
    if "user_ids" in spec:
        spec["user_ids"] = [world[n].id for n in spec["user_ids"]]
    if "agency_ids" in spec:
        spec["agency_ids"] = [world[n].id for n in spec["agency_ids"]]
    aud = Audience.from_json(spec)
    by_sql = {u.id for u in db.session.scalars(recipients_query(aud))}
    people = {k: v for k, v in world.items() if hasattr(v, "email")}
    by_python = {u.id for u in people.values() if user_in_audience(u, aud)}
    assert by_sql == by_python == {people[n].id for n in expected}
