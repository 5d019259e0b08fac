"""Control characters are refused where text enters the portal: every form, the CSV import.

(The API's share is in tests/api/test_control_characters.py.) NUL cannot be stored by
PostgreSQL and gave 500s; a CR in a name reached e-mail headers and blocked the outbox.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm

from flo_portal.core.extensions import db
from flo_portal.core.formtools import PortalForm, control_character_problem
from flo_portal.roster.importer import import_csv
from flo_portal.roster.models import Officer
from flo_portal.security.permissions import Role
from tests.factories import TEST_PASSWORD, AgencyFactory


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_form_of_the_portal_gets_the_check(app):
    forms = [f for f in _all_subclasses(FlaskForm) if f.__module__.startswith("flo_portal.")]
    assert len(forms) > 30  # every feature's forms are imported by create_app
    assert [f for f in forms if not issubclass(f, PortalForm)] == []


@pytest.mark.parametrize(
    ("value", "multiline", "refused"),
    [
        ("Dana Smith", False, None),
        ("tab\tok", False, None),
        ("Dana\rSmith", False, "U+000D"),
        ("Dana\nSmith", False, "U+000A"),
        ("nul\x00", False, "U+0000"),
        ("line one\r\nline two\tand a tab", True, None),
        ("bell\x07", True, "U+0007"),
        ("nul\x00", True, "U+0000"),
        ("del\x7f", True, "U+007F"),
        ("c1\x85", True, "U+0085"),
        ("Zoë Müller — 東京", False, None),
    ],
)
def test_the_rule(value, multiline, refused):
    problem = control_character_problem(value, multiline=multiline)
    if refused is None:
        assert problem is None
    else:
        assert problem.startswith("control character not allowed") and refused in problem


@pytest.mark.postgres
@pytest.mark.parametrize("field", ["email", "password"])
def test_nul_in_the_anonymous_sign_in_form_rerenders_never_500(client, make_user, field):
    user = make_user()
    data = {"email": user.email, "password": TEST_PASSWORD}
    data[field] = data[field][:3] + "\x00" + data[field][3:]
    response = client.post("/auth/login", data=data)
    assert response.status_code == 422
    assert "Control character not allowed (U+0000 at position 4)." in response.get_data(
        as_text=True
    )
    assert client.get("/dashboard").status_code == 302  # not signed in
    # The forgot-password form too, NUL or a line break in its one field.
    for bad in ("x\x00@example.gov", "x@example.gov\r\nBcc: y@example.gov"):
        forgot = client.post("/auth/password/forgot", data={"email": bad})
        assert forgot.status_code in (400, 422)
        assert "Control character not allowed" in forgot.get_data(as_text=True)


def test_a_single_line_field_refuses_a_line_break_a_text_area_keeps_it(client, login_as):
    agency = AgencyFactory(name="Mine PD")
    db.session.commit()
    login_as(Role.COORDINATOR)
    data = {
        "agency_id": agency.id,
        "first_name": "Dana\rEvil",
        "last_name": "Nominee",
        "flo_level": "basic",
        "discipline": "",
        "reason": "Keen",
        "notes": "First line\r\nsecond line",
    }
    refused = client.post("/roster/officers/new", data=data)
    assert refused.status_code == 422
    assert "Control character not allowed (U+000D at position 5)." in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Officer.id))) == 0

    accepted = client.post("/roster/officers/new", data=dict(data, first_name="Dana"))
    assert accepted.status_code == 302
    officer = db.session.scalar(sa.select(Officer))
    assert officer.first_name == "Dana" and "second line" in officer.notes


def test_csv_import_names_the_line_and_column_of_a_control_character():
    AgencyFactory(name="Alpha PD")
    db.session.commit()
    csv_text = (
        "external_id,first_name,last_name,agency\r\n"
        "A-1,Robin,Reyes,Alpha PD\r\n"
        'A-2,"Dana\rEvil",Smith,Alpha PD\r\n'
        "A-3,Kim,Lee\x1b,Alpha PD\r\n"  # an escape sequence
    )
    report = import_csv(csv_text.encode())
    assert not report.applied
    assert [str(p) for p in report.problems] == [
        "line 3, column first_name: control character not allowed (U+000D at position 5)",
        # Lines are the file's lines: the CR inside the quoted cell above ended one.
        "line 5, column last_name: control character not allowed (U+001B at position 4)",
    ]
    assert db.session.scalar(sa.select(sa.func.count(Officer.id))) == 0
    good_only = import_csv(csv_text.encode(), good_rows_only=True)
    assert good_only.applied and good_only.created == 1
    # NUL: the whole file is refused as binary, before any row is read.
    nul = import_csv(b"external_id,first_name,last_name,agency\r\nA-9,Ki\x00m,Lee,Alpha PD\r\n")
    assert not nul.applied and "binary data" in nul.problems[0].message


@pytest.mark.postgres
def test_a_control_character_in_a_page_query_string_is_400_not_500(client, login_as):
    login_as(Role.COORDINATOR)
    for url in ("/roster/officers", "/agencies/", "/products/"):
        response = client.get(url, query_string={"q": "ab\x00"})
        assert response.status_code == 400, url
        assert "control character not allowed (U+0000 at position 3)" in response.get_data(
            as_text=True
        )
    assert client.get("/roster/officers", query_string={"q": "Reyes"}).status_code == 200
