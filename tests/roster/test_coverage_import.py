"""Coverage figures, CSV import (good, bad, idempotent) and the import CLI."""

from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa

from flo_portal.agencies.models import Agency
from flo_portal.audit.models import AuditEvent
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.roster.coverage import coverage_for
from flo_portal.roster.importer import import_csv
from flo_portal.roster.models import Officer, OfficerStatus, OfficerStatusChange
from flo_portal.security.permissions import Role
from flo_portal.training.models import TrainingRecord
from tests.factories import AgencyFactory
from tests.roster.factories import CourseFactory, OfficerFactory, RecordFactory


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _world():
    today = clock.today()
    a, b, empty = (
        AgencyFactory(name="Alpha PD"),
        AgencyFactory(name="Beta Fire"),
        AgencyFactory(name="Gamma EMS"),
    )
    basic = CourseFactory(code="BASIC", validity_months=24)
    inter = CourseFactory(code="INTER", validity_months=12)
    CourseFactory(code="OPT", required=False)
    full = OfficerFactory(agency=a, last_name="Full")
    soon = OfficerFactory(agency=a, last_name="Soon")
    half = OfficerFactory(agency=b, last_name="Half")
    OfficerFactory(agency=b, last_name="Nominee", status=OfficerStatus.NOMINATED)
    RecordFactory(officer=full, course=basic, completed_on=today - timedelta(days=10))
    RecordFactory(officer=full, course=inter, completed_on=today - timedelta(days=10))
    RecordFactory(officer=soon, course=basic, completed_on=today - timedelta(days=10))
    # INTER done 11.5 months ago: expires within 30 days
    RecordFactory(officer=soon, course=inter, completed_on=today - timedelta(days=350))
    RecordFactory(officer=half, course=basic, completed_on=today - timedelta(days=800))  # expired
    RecordFactory(officer=half, course=basic, completed_on=today - timedelta(days=5))  # renewed
    db.session.commit()
    return a, b, empty, basic, inter


def test_coverage_figures(make_user):
    a, b, _empty, basic, inter = _world()
    cov = coverage_for(make_user(Role.COORDINATOR))
    by_name = {x.name: x for x in cov.agencies}
    assert (
        by_name["Alpha PD"].active,
        by_name["Alpha PD"].current,
        by_name["Alpha PD"].percent,
    ) == (2, 2, 100)
    assert by_name["Alpha PD"].expiring == {30: 1, 60: 1, 90: 1}
    assert (by_name["Beta Fire"].active, by_name["Beta Fire"].current) == (1, 0)
    assert by_name["Gamma EMS"].active == 0 and by_name["Gamma EMS"].percent is None
    assert [c.code for c in cov.courses] == ["BASIC", "INTER"]
    assert cov.heat[(a.id, inter.id)] == 2 and cov.heat[(b.id, basic.id)] == 1
    assert (b.id, inter.id) not in cov.heat
    gaps = {g.course.code: g for g in cov.gaps}
    assert gaps["BASIC"].missing_total == 0
    assert gaps["INTER"].missing_total == 1 and gaps["INTER"].missing[0]["name"].endswith("Half")
    assert cov.totals["agencies_without_flo"] == 1


def test_coverage_page_and_csv_for_agency_head(client, login_as, make_user):
    _a, b, *_ = _world()
    login_as(make_user(Role.AGENCY_HEAD, agency=b))
    page = client.get("/roster/coverage").get_data(as_text=True)
    assert "Beta Fire" in page and "Alpha PD" not in page and "data-chart=" in page
    assert "charts.js" in page
    csv_text = client.get("/roster/coverage.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("agency,discipline,region,active_officers")
    assert "Beta Fire" in csv_text and "Alpha PD" not in csv_text
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "coverage.exported"))


def test_coverage_with_no_required_course_counts_everyone_current(make_user):
    agency = AgencyFactory()
    OfficerFactory.create_batch(3, agency=agency)
    db.session.commit()
    cov = coverage_for(make_user(Role.COORDINATOR))
    assert cov.agencies[0].current == 3 and cov.gaps == []


OFFICERS_CSV = """external_id,first_name,last_name,agency,rank_title,email,status,flo_level,\
supervisor_approved_on,nda_signed_on,privacy_ack_on
CC-1,Ann,Archer,Alpha PD,Sergeant,ann@alpha.example.gov,active,basic,2025-01-06,2025-01-08,2025-01-08
CC-2,Bob,Baker,alpha pd,Detective,,nominated,,,,
"""


def test_import_officers_then_reimport_changes_nothing(make_user):
    AgencyFactory(name="Alpha PD")
    db.session.commit()
    actor = make_user(Role.COORDINATOR)
    report = import_csv(OFFICERS_CSV.encode(), actor=actor, filename="o.csv")
    assert report.ok and report.applied and report.kind == "officers" and report.created == 2
    ann = db.session.scalar(sa.select(Officer).where(Officer.external_id == "CC-1"))
    assert ann.status == OfficerStatus.ACTIVE and ann.email == "ann@alpha.example.gov"
    assert _count(OfficerStatusChange) == 2
    again = import_csv(OFFICERS_CSV.encode(), actor=actor, filename="o.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _count(Officer) == 2 and _count(OfficerStatusChange) == 2
    changed = import_csv(OFFICERS_CSV.replace("Sergeant", "Lieutenant").encode(), actor=actor)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "roster.imported")
    ).all()
    assert len(events) == 3 and events[0].details["created"] == 2


BAD_CSV = """external_id,first_name,last_name,agency,nda_signed_on
X-1,Good,Row,Alpha PD,2025-01-02
X-2,Bad,Date,Alpha PD,31/12/2025
X-3,Unknown,Agency,Nowhere PD,
X-1,Dupe,Row,Alpha PD,
X-5,,Nameless,Alpha PD,
"""


def test_bad_rows_are_reported_and_nothing_is_imported():
    AgencyFactory(name="Alpha PD")
    db.session.commit()
    report = import_csv(BAD_CSV.encode())
    assert not report.applied and _count(Officer) == 0
    problems = {(p.line, p.column) for p in report.problems}
    assert {
        (3, "nda_signed_on"),
        (4, "agency"),
        (5, "external_id"),
        (6, "first_name"),
    } <= problems
    assert "duplicate of line 2" in " ".join(p.message for p in report.problems)
    assert "nothing imported" in report.summary()
    good_only = import_csv(BAD_CSV.encode(), good_rows_only=True)
    assert good_only.applied and good_only.created == 1 and _count(Officer) == 1


def test_malformed_files_yield_clear_reports():
    AgencyFactory(name="Alpha PD")
    db.session.commit()
    latin1 = "external_id,first_name,last_name,agency\nA,Zoë,Müller,Alpha PD\n".encode("latin-1")
    r = import_csv(latin1)
    assert not r.applied and "UTF-8" in r.problems[0].message and r.problems[0].line == 2
    r = import_csv(b"external_id,first_name\nA,B\n", kind="officers")
    assert {p.column for p in r.problems} == {"last_name", "agency"}
    r = import_csv(b"foo,bar\n1,2\n")
    assert "Unknown file layout" in r.problems[0].message
    junk = bytes((i * 7919) % 256 for i in range(5 * 1024 * 1024))
    r = import_csv(junk)
    assert not r.applied and r.problems
    ascii_junk = (b"lorem,ipsum " * 500_000)[: 5 * 1024 * 1024]
    r = import_csv(ascii_junk, kind="officers")
    assert not r.applied and r.problems
    r = import_csv(b"")
    assert r.problems[0].message == "The file is empty."
    assert _count(Officer) == 0


def test_read_problems_name_their_line_and_column():
    """Each step of the import (header, records, values) says where the problem is."""
    AgencyFactory(name="Alpha PD")
    db.session.commit()
    header = "external_id,first_name,last_name,agency\n"
    r = import_csv((header + 'A-1,"Multi\nline",Ok,Alpha PD\nA-2,Two,Fields\n').encode())
    assert [str(p) for p in r.problems] == [
        "line 2, column first_name: control character not allowed (U+000A at position 6)",
        "line 4: has 3 fields, the header has 4",  # the quoted cell spanned line 3
    ]
    assert r.rows == 2 and r.good_rows == 0
    r = import_csv((header + f"A-1,{'x' * 2001},Long,Alpha PD\n").encode())
    assert [str(p) for p in r.problems] == [
        "line 2, column first_name: value longer than 2000 characters"
    ]
    r = import_csv(b"external_id,first_name,first_name,agency,last_name,colour\nA,B,C,D,E,F\n")
    assert [str(p) for p in r.problems] == ["line 1, column first_name: column appears twice"]
    r = import_csv(b"external_id,first_name,last_name,agency,colour\nA,B,C,Alpha PD,F\n")
    assert [str(p) for p in r.problems] == [
        "line 1, column colour: unknown column (check the spelling)"
    ]
    r = import_csv(header.encode())
    assert [str(p) for p in r.problems] == ["line 2: The file has a header but no rows."]
    r = import_csv((header + "A-1,Ann,Archer,Alpha PD\nA-2,Bo,Baker,Beta PD\n").encode())
    assert [str(p) for p in r.problems] == [
        "line 3, column agency: unknown agency 'Beta PD' (import agencies first)"
    ]


def test_import_agencies_and_training(make_user):
    agencies = b"name,discipline,region,active\nNew PD,law_enforcement,North,yes\nOld Fire,Fire service,South,no\n"
    r = import_csv(agencies)
    assert r.ok and r.created == 2
    assert db.session.scalar(sa.select(Agency.active).where(Agency.name == "Old Fire")) is False
    assert import_csv(agencies).unchanged == 2
    OfficerFactory(
        external_id="T-1",
        agency=db.session.scalar(sa.select(Agency).where(Agency.name == "New PD")),
    )
    CourseFactory(code="BASIC", validity_months=24)
    db.session.commit()
    training = b"officer_external_id,course_code,completed_on\nT-1,basic,2025-03-01\n"
    r = import_csv(training)
    assert r.ok and r.created == 1
    rec = db.session.scalar(sa.select(TrainingRecord))
    assert rec.expires_on == date(2027, 3, 1) and rec.source == "import"
    assert import_csv(training).unchanged == 1 and _count(TrainingRecord) == 1
    bad = import_csv(b"officer_external_id,course_code,completed_on\nT-9,NOPE,2999-01-01\n")
    assert {p.column for p in bad.problems} == {
        "officer_external_id",
        "course_code",
        "completed_on",
    }


def test_import_page_and_cli(client, login_as, app, tmp_path):
    AgencyFactory(name="Alpha PD")
    db.session.commit()
    login_as(Role.COORDINATOR)

    def upload(text, name, kind):
        return client.post(
            "/roster/import",
            data={"file": (io.BytesIO(text.encode()), name), "kind": kind, "mode": "all"},
            content_type="multipart/form-data",
        )

    response = upload(BAD_CSV, "bad.csv", "")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "31/12/2025" in page and "nda_signed_on" in page and _count(Officer) == 0
    response = upload(OFFICERS_CSV, "ok.csv", "officers")
    assert response.status_code == 200 and _count(Officer) == 2
    assert client.post("/roster/import", data={"mode": "all"}).status_code == 422
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV)
    result = app.test_cli_runner().invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 1 and "line 3, column nda_signed_on" in result.output
    path.write_text(OFFICERS_CSV)
    result = app.test_cli_runner().invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 0 and "0 created, 0 updated, 2 unchanged" in result.output


def test_import_page_keeps_refused_imports_in_the_trail_and_good_rows(client, login_as):
    """The unit of work rolls a 422 back: a refused import still leaves its audit event;
    importing the good rows of a partly bad file is a request that succeeded."""
    AgencyFactory(name="Alpha PD")
    db.session.commit()
    login_as(Role.COORDINATOR)

    def post(mode):
        return client.post(
            "/roster/import",
            data={"file": (io.BytesIO(BAD_CSV.encode()), "bad.csv"), "kind": "", "mode": mode},
            content_type="multipart/form-data",
        )

    def events(action):
        return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()

    assert post("all").status_code == 422
    db.session.expire_all()
    refused = events("roster.import_refused")
    assert len(refused) == 1 and refused[0].details["file"] == "bad.csv"
    assert refused[0].actor_id is not None and _count(Officer) == 0
    response = post("good")
    assert response.status_code == 200
    db.session.expire_all()
    assert _count(Officer) == 1 and len(events("roster.imported")) == 1


def test_sample_files_in_the_repo_import_cleanly():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "samples"
    for name in ("agencies.csv", "officers.csv", "training.csv"):
        data = (root / name).read_bytes()
        if name == "training.csv":
            CourseFactory(code="FLO-BASIC", validity_months=36)
            CourseFactory(code="FLO-INT-CVE", validity_months=36)
            db.session.commit()
        report = import_csv(data)
        assert report.ok and report.applied, [str(p) for p in report.problems]


UNONBOARDED_CSV = """external_id,first_name,last_name,agency,status,\
supervisor_approved_on,nda_signed_on,privacy_ack_on
U-1,No,Papers,Alpha PD,active,,,
U-2,Half,Done,Alpha PD,suspended,2025-01-06,,2025-01-08
U-3,Fine,Nominee,Alpha PD,nominated,,,
U-4,All,Papers,Alpha PD,active,2025-01-06,2025-01-08,2025-01-08
U-5,Still,Vetting,Alpha PD,vetting,2025-01-06,,
"""


def test_import_refuses_active_officers_without_onboarding_like_the_officer_page():
    """The officer page refuses "Activate" without supervisor approval, NDA and privacy
    acknowledgement; an import asking for active (or a status only reached from active)
    is refused with line and column, not silently imported."""
    AgencyFactory(name="Alpha PD")
    db.session.commit()
    report = import_csv(UNONBOARDED_CSV.encode())
    assert not report.applied and _count(Officer) == 0
    problems = {(p.line, p.column): p.message for p in report.problems}
    assert set(problems) == {(2, "status"), (3, "status")}
    assert "supervisor (agency head) approval date" in problems[(2, "status")]
    assert "signed non-disclosure agreement date" in problems[(3, "status")]
    assert "privacy" not in problems[(3, "status")]
    good_only = import_csv(UNONBOARDED_CSV.encode(), good_rows_only=True)
    assert good_only.applied and good_only.created == 3
    statuses = dict(db.session.execute(sa.select(Officer.external_id, Officer.status)).all())
    assert statuses == {
        "U-3": OfficerStatus.NOMINATED,
        "U-4": OfficerStatus.ACTIVE,
        "U-5": OfficerStatus.VETTING,
    }


def test_cli_export_and_refresh_commit_their_work(app, tmp_path):
    """The CLI commands run in one transaction each and audit as a system actor."""
    AgencyFactory(name="Alpha PD")
    db.session.commit()
    runner = app.test_cli_runner()
    for what in ("agencies", "officers", "training"):
        out = tmp_path / f"{what}.csv"
        result = runner.invoke(args=["roster", "export", what, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8").splitlines()[0]
    db.session.expire_all()
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "agencies.exported")
    ).all()
    assert len(events) == 1 and events[0].actor_id is None
    assert "1 rows" in events[0].summary
    result = runner.invoke(args=["roster", "refresh-current"])
    assert result.exit_code == 0 and "recomputed" in result.output
