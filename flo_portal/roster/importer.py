"""CSV import of agencies, officers and training records (and the matching exports).

Every row is checked before anything is written. With problems, nothing is imported
unless the caller asks for the good rows only. Rows are matched on a stable key
(agency: name; officer: external_id; training: officer external_id + course code +
completion date), so importing the same file twice changes nothing the second time.
The export writes the same columns, so an export can be edited and imported again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.audit.services import record as audit
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.formtools import control_character_problem
from flo_portal.core.orm import utcnow
from flo_portal.roster.models import (
    FloLevel,
    Officer,
    OfficerStatus,
    OfficerStatusChange,
)
from flo_portal.roster.workflow import TRANSITIONS, needs_onboarding, onboarding_problems
from flo_portal.training.models import TrainingCourse, TrainingRecord
from flo_portal.training.services import expiry_for, refresh_training_current

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_PROBLEMS_SHOWN = 200
MAX_FIELD = 2000
CHUNK = 1000

COLUMNS = {
    "agencies": {
        "required": ["name", "discipline", "region"],
        "optional": [
            "jurisdiction",
            "contact_name",
            "contact_email",
            "contact_phone",
            "active",
        ],
    },
    "officers": {
        "required": ["external_id", "first_name", "last_name", "agency"],
        "optional": [
            "rank_title",
            "discipline",
            "email",
            "phone",
            "mobile",
            "flo_level",
            "status",
            "supervisor_approved_on",
            "nda_signed_on",
            "privacy_ack_on",
        ],
    },
    "training": {
        "required": ["officer_external_id", "course_code", "completed_on"],
        "optional": [],
    },
}
KINDS = tuple(COLUMNS)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE_WORDS = {"yes", "y", "true", "1", "active"}
FALSE_WORDS = {"no", "n", "false", "0", "inactive"}


@dataclass
class Problem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    kind: str = ""
    filename: str = ""
    rows: int = 0
    good_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    applied: bool = False
    good_rows_only: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_lines(self) -> int:
        return len({p.line for p in self.problems})

    @property
    def shown_problems(self) -> list[Problem]:
        return self.problems[:MAX_PROBLEMS_SHOWN]

    def summary(self) -> str:
        if not self.kind:
            return "Nothing imported: the file could not be read."
        head = f"{self.kind}: {self.rows} rows, {len(self.problems)} problems on {self.bad_lines} lines"
        if not self.applied:
            why = "check only" if self.dry_run else "nothing imported because some rows are bad"
            return f"{head}; {why}."
        return (
            f"{head}; {self.created} created, {self.updated} updated, {self.unchanged} unchanged."
        )


class _Rows:
    """Parsed rows: (line, {column: value})."""

    def __init__(self):
        self.items: list[tuple[int, dict[str, str]]] = []


def _decode(data: bytes, report: ImportReport) -> str | None:
    if len(data) > MAX_BYTES:
        report.problems.append(
            Problem(0, "", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        )
        return None
    if not data.strip():
        report.problems.append(Problem(1, "", "The file is empty."))
        return None
    if b"\x00" in data[:4096]:
        report.problems.append(
            Problem(1, "", "This is not a text CSV file (it contains binary data).")
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        report.problems.append(
            Problem(
                line,
                "",
                "The file is not UTF-8 text. Save it from your spreadsheet as "
                "'CSV UTF-8' and try again.",
            )
        )
        return None


def detect_kind(header: list[str]) -> str | None:
    cols = set(header)
    if "course_code" in cols or "officer_external_id" in cols:
        return "training"
    if "external_id" in cols or "first_name" in cols or "last_name" in cols:
        return "officers"
    if "name" in cols and ("discipline" in cols or "region" in cols):
        return "agencies"
    return None


def _read(text: str, kind: str | None, report: ImportReport) -> _Rows | None:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        raw_header = next(reader)
    except (StopIteration, csv.Error):
        report.problems.append(Problem(1, "", "The first line must be the column names."))
        return None
    header = [h.strip().lower().replace(" ", "_") for h in raw_header]
    kind = kind or detect_kind(header)
    if kind not in COLUMNS:
        report.problems.append(
            Problem(
                1,
                "",
                "Unknown file layout: the first line must name the "
                "columns of an agencies, officers or training file "
                "(see the README).",
            )
        )
        return None
    report.kind = kind
    spec = COLUMNS[kind]
    missing = [c for c in spec["required"] if c not in header]
    if missing:
        for col in missing:
            report.problems.append(Problem(1, col, "required column is missing"))
        return None
    dupes = {h for h in header if header.count(h) > 1 and h}
    for col in sorted(dupes):
        report.problems.append(Problem(1, col, "column appears twice"))
    if dupes:
        return None
    known = set(spec["required"]) | set(spec["optional"])
    unknown = [h for h in header if h and h not in known]
    for col in unknown:
        report.problems.append(Problem(1, col, "unknown column (check the spelling)"))
    if unknown:
        return None
    rows = _Rows()
    try:
        next_line = reader.line_num + 1
        for values in reader:
            # The line the record starts on: a quoted cell may span several lines.
            line, next_line = next_line, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if len(rows.items) >= MAX_ROWS:
                report.problems.append(
                    Problem(line, "", f"More than {MAX_ROWS} rows: split the file.")
                )
                return None
            if len(values) != len(header):
                report.problems.append(
                    Problem(
                        line,
                        "",
                        f"has {len(values)} fields, the header has {len(header)}",
                    )
                )
                rows.items.append((line, {}))
                continue
            too_long = [h for h, v in zip(header, values, strict=True) if len(v) > MAX_FIELD]
            if too_long:
                report.problems.append(
                    Problem(line, too_long[0], f"value longer than {MAX_FIELD} characters")
                )
                rows.items.append((line, {}))
                continue
            refused = [
                (h, problem)
                for h, v in zip(header, values, strict=True)
                if (problem := control_character_problem(v))
            ]
            if refused:
                report.problems.extend(Problem(line, h, problem) for h, problem in refused)
                rows.items.append((line, {}))
                continue
            rows.items.append((line, {h: v.strip() for h, v in zip(header, values, strict=True)}))
    except csv.Error as err:
        report.problems.append(Problem(reader.line_num, "", f"unreadable CSV: {err}"))
        return None
    report.rows = len(rows.items)
    if not rows.items:
        report.problems.append(Problem(2, "", "The file has a header but no rows."))
        return None
    return rows


def _parse_date(
    value: str,
    line: int,
    column: str,
    problems: list[Problem],
    *,
    required=False,
    not_future=False,
) -> date | None:
    if not value:
        if required:
            problems.append(Problem(line, column, "a date is required (YYYY-MM-DD)"))
        return None
    try:
        day = date.fromisoformat(value)
        if len(value) != 10:
            raise ValueError
    except ValueError:
        problems.append(
            Problem(line, column, f"'{value[:40]}' is not a date in the form YYYY-MM-DD")
        )
        return None
    if day.year < 1950:
        problems.append(Problem(line, column, f"{value} is too far in the past"))
        return None
    if not_future and day > clock.today():
        problems.append(Problem(line, column, f"{value} is in the future"))
        return None
    return day


def _parse_enum(
    enum_cls, value: str, line: int, column: str, problems: list[Problem], default=None
):
    if not value:
        return default
    norm = value.strip().lower().replace(" ", "_").replace("-", "_")
    for member in enum_cls:
        if (
            norm == member.value
            or value.strip().lower() == str(getattr(member, "label", "")).lower()
        ):
            return member
    allowed = ", ".join(m.value for m in enum_cls)
    problems.append(Problem(line, column, f"'{value[:40]}' is not one of: {allowed}"))
    return None


def _required_text(row: dict, col: str, line: int, problems: list[Problem], max_len: int) -> str:
    value = row.get(col, "")
    if not value:
        problems.append(Problem(line, col, "is required"))
    elif len(value) > max_len:
        problems.append(Problem(line, col, f"is longer than {max_len} characters"))
    return value


def _optional_text(row: dict, col: str, line: int, problems: list[Problem], max_len: int) -> str:
    value = row.get(col, "")
    if len(value) > max_len:
        problems.append(Problem(line, col, f"is longer than {max_len} characters"))
    return value


def _email(row: dict, col: str, line: int, problems: list[Problem]) -> str:
    value = row.get(col, "").lower()
    if value and (len(value) > 254 or not EMAIL_RE.match(value)):
        problems.append(Problem(line, col, f"'{value[:60]}' is not an e-mail address"))
    return value


# --- validation per kind: each returns [(line, clean values)] for the good rows ---------


def _validate_agencies(rows: _Rows, problems: list[Problem]):
    good, seen = [], {}
    for line, row in rows.items:
        if not row:
            continue
        errs: list[Problem] = []
        name = _required_text(row, "name", line, errs, 200)
        discipline = _parse_enum(Discipline, row.get("discipline", ""), line, "discipline", errs)
        if not row.get("discipline"):
            errs.append(Problem(line, "discipline", "is required"))
        region = _required_text(row, "region", line, errs, 120)
        active_raw = row.get("active", "").lower()
        active = True
        if active_raw in FALSE_WORDS:
            active = False
        elif active_raw and active_raw not in TRUE_WORDS:
            errs.append(Problem(line, "active", f"'{active_raw[:20]}' should be yes or no"))
        values = {
            "name": name,
            "discipline": discipline,
            "region": region,
            "jurisdiction": _optional_text(row, "jurisdiction", line, errs, 200),
            "contact_name": _optional_text(row, "contact_name", line, errs, 200),
            "contact_email": _email(row, "contact_email", line, errs),
            "contact_phone": _optional_text(row, "contact_phone", line, errs, 40),
            "active": active,
        }
        key = name.lower()
        if name and key in seen:
            errs.append(Problem(line, "name", f"duplicate of line {seen[key]}"))
        elif name:
            seen[key] = line
        problems.extend(errs)
        if not errs:
            good.append((line, values))
    return good


# Statuses only reachable through a transition that needs onboarding (the officer page's
# "Activate"): active, and inactive/suspended, which are reached from active.
_ONBOARDED_STATUSES = (
    {t.target for t in TRANSITIONS if needs_onboarding(t)}
    | {t.target for t in TRANSITIONS if OfficerStatus.ACTIVE in t.sources}
) - {OfficerStatus.SEPARATED}


def _lifecycle_problems(values: dict, line: int) -> list[Problem]:
    """The officer page's onboarding rule for the status a row asks for: an officer is
    never active (or inactive/suspended after being active) without supervisor approval,
    NDA and privacy acknowledgement dates."""
    status = values.get("status")
    if status not in _ONBOARDED_STATUSES:
        return []
    missing = onboarding_problems(SimpleNamespace(**values))
    if not missing:
        return []
    return [
        Problem(
            line,
            "status",
            f"'{status}' needs {', '.join(missing)}; import as nominated or add the dates",
        )
    ]


def _validate_officers(rows: _Rows, problems: list[Problem]):
    agencies = {
        name.lower(): (aid, disc)
        for aid, name, disc in db.session.execute(
            sa.select(Agency.id, Agency.name, Agency.discipline)
        )
    }
    good, seen = [], {}
    for line, row in rows.items:
        if not row:
            continue
        errs: list[Problem] = []
        ext = _required_text(row, "external_id", line, errs, 60)
        agency_name = row.get("agency", "")
        agency = agencies.get(agency_name.lower())
        if not agency_name:
            errs.append(Problem(line, "agency", "is required"))
        elif agency is None:
            errs.append(
                Problem(
                    line,
                    "agency",
                    f"unknown agency '{agency_name[:80]}' (import agencies first)",
                )
            )
        values = {
            "external_id": ext,
            "first_name": _required_text(row, "first_name", line, errs, 100),
            "last_name": _required_text(row, "last_name", line, errs, 100),
            "agency_id": agency[0] if agency else None,
            "rank_title": _optional_text(row, "rank_title", line, errs, 120),
            "discipline": _parse_enum(
                Discipline,
                row.get("discipline", ""),
                line,
                "discipline",
                errs,
                default=Discipline(agency[1]) if agency else None,
            ),
            "email": _email(row, "email", line, errs),
            "phone": _optional_text(row, "phone", line, errs, 40),
            "mobile": _optional_text(row, "mobile", line, errs, 40),
            "flo_level": _parse_enum(
                FloLevel,
                row.get("flo_level", ""),
                line,
                "flo_level",
                errs,
                default=FloLevel.BASIC,
            ),
            "status": _parse_enum(
                OfficerStatus,
                row.get("status", ""),
                line,
                "status",
                errs,
                default=OfficerStatus.NOMINATED,
            ),
        }
        for col in ("supervisor_approved_on", "nda_signed_on", "privacy_ack_on"):
            values[col] = _parse_date(row.get(col, ""), line, col, errs, not_future=True)
        errs.extend(_lifecycle_problems(values, line))
        if ext and ext.lower() in seen:
            errs.append(Problem(line, "external_id", f"duplicate of line {seen[ext.lower()]}"))
        elif ext:
            seen[ext.lower()] = line
        problems.extend(errs)
        if not errs:
            good.append((line, values))
    return good


def _validate_training(rows: _Rows, problems: list[Problem]):
    courses = {
        code.lower(): cid
        for cid, code in db.session.execute(sa.select(TrainingCourse.id, TrainingCourse.code))
    }
    wanted = {row.get("officer_external_id", "") for _line, row in rows.items if row}
    officers: dict[str, int] = {}
    wanted_list = sorted(w for w in wanted if w)
    for i in range(0, len(wanted_list), CHUNK):
        for oid, ext in db.session.execute(
            sa.select(Officer.id, Officer.external_id).where(
                Officer.external_id.in_(wanted_list[i : i + CHUNK])
            )
        ):
            officers[ext] = oid
    good, seen = [], {}
    for line, row in rows.items:
        if not row:
            continue
        errs: list[Problem] = []
        ext = _required_text(row, "officer_external_id", line, errs, 60)
        code = _required_text(row, "course_code", line, errs, 40)
        officer_id = officers.get(ext)
        if ext and officer_id is None:
            errs.append(
                Problem(
                    line,
                    "officer_external_id",
                    f"no officer with external_id '{ext[:60]}'",
                )
            )
        course_id = courses.get(code.lower())
        if code and course_id is None:
            errs.append(Problem(line, "course_code", f"unknown course '{code[:40]}'"))
        day = _parse_date(
            row.get("completed_on", ""),
            line,
            "completed_on",
            errs,
            required=True,
            not_future=True,
        )
        key = (ext, code.lower(), day)
        if all(key) and key in seen:
            errs.append(Problem(line, "", f"duplicate of line {seen[key]}"))
        elif all(key):
            seen[key] = line
        problems.extend(errs)
        if not errs:
            good.append(
                (
                    line,
                    {
                        "officer_id": officer_id,
                        "course_id": course_id,
                        "completed_on": day,
                    },
                )
            )
    return good


# --- applying the good rows ------------------------------------------------------


def _apply_agencies(good, report: ImportReport) -> None:
    existing = {a.name.lower(): a for a in db.session.scalars(sa.select(Agency))}
    new = []
    for _line, values in good:
        agency = existing.get(values["name"].lower())
        if agency is None:
            new.append(values)
            continue
        changed = False
        for key, value in values.items():
            if key != "name" and getattr(agency, key) != value:
                setattr(agency, key, value)
                changed = True
        report.updated += changed
        report.unchanged += not changed
    if new:
        db.session.execute(Agency.__table__.insert(), new)
    report.created += len(new)


def _insert_rows(table, rows: list[dict]) -> None:
    """Bulk insert with Core executemany (no RETURNING). Measured by bench/roster.py: the ORM
    bulk path with RETURNING and one large multi-row INSERT were both several times slower."""
    db.session.execute(table.insert(), rows)


def _apply_officers(good, report: ImportReport, actor) -> None:
    keys = [v["external_id"] for _l, v in good]
    existing: dict[str, Officer] = {}
    for i in range(0, len(keys), CHUNK):
        for officer in db.session.scalars(
            sa.select(Officer).where(Officer.external_id.in_(keys[i : i + CHUNK]))
        ):
            existing[officer.external_id] = officer
    now = utcnow()
    new = []
    for _line, values in good:
        officer = existing.get(values["external_id"])
        if officer is None:
            new.append(
                {
                    **values,
                    "status_changed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            continue
        changed = False
        for key, value in values.items():
            # Status changes go through the status machine, never through an import.
            if key in ("status", "external_id"):
                continue
            if value is None and key in (
                "supervisor_approved_on",
                "nda_signed_on",
                "privacy_ack_on",
            ):
                continue
            if getattr(officer, key) != value:
                setattr(officer, key, value)
                changed = True
        report.updated += changed
        report.unchanged += not changed
    actor_id = getattr(actor, "id", None)
    for i in range(0, len(new), CHUNK):
        chunk = new[i : i + CHUNK]
        _insert_rows(Officer.__table__, chunk)
        ids = dict(
            db.session.execute(
                sa.select(Officer.external_id, Officer.id).where(
                    Officer.external_id.in_([v["external_id"] for v in chunk])
                )
            ).all()
        )
        _insert_rows(
            OfficerStatusChange.__table__,
            [
                {
                    "officer_id": ids[v["external_id"]],
                    "from_status": None,
                    "to_status": v["status"],
                    "changed_at": now,
                    "changed_by_id": actor_id,
                    "reason": f"Imported ({report.filename})"[:500],
                }
                for v in chunk
            ],
        )
    report.created += len(new)
    if new:
        refresh_training_current()


def _apply_training(good, report: ImportReport, actor) -> None:
    officer_ids = sorted({v["officer_id"] for _l, v in good})
    have = set()
    for i in range(0, len(officer_ids), CHUNK):
        have.update(
            db.session.execute(
                sa.select(
                    TrainingRecord.officer_id,
                    TrainingRecord.course_id,
                    TrainingRecord.completed_on,
                ).where(TrainingRecord.officer_id.in_(officer_ids[i : i + CHUNK]))
            ).tuples()
        )
    courses = {c.id: c for c in db.session.scalars(sa.select(TrainingCourse))}
    now = utcnow()
    new = []
    for _line, v in good:
        key = (v["officer_id"], v["course_id"], v["completed_on"])
        if key in have:
            report.unchanged += 1
            continue
        have.add(key)
        new.append(
            {
                **v,
                "expires_on": expiry_for(courses[v["course_id"]], v["completed_on"]),
                "source": "import",
                "recorded_at": now,
                "created_at": now,
                "updated_at": now,
                "evidence_path": "",
                "evidence_name": "",
                "evidence_mime": "",
            }
        )
    for i in range(0, len(new), CHUNK):
        _insert_rows(TrainingRecord.__table__, new[i : i + CHUNK])
    report.created += len(new)
    if new:
        refresh_training_current()


def import_csv(
    data: bytes,
    *,
    kind: str | None = None,
    good_rows_only: bool = False,
    dry_run: bool = False,
    actor=None,
    filename: str = "",
) -> ImportReport:
    """Check every row, then import all of them, or (by choice) only the good ones.

    Flushes; the caller commits (or rolls back). Audited as one event with the counts.
    """
    report = ImportReport(filename=filename[:200], good_rows_only=good_rows_only, dry_run=dry_run)
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    text = _decode(data, report)
    rows = _read(text, kind, report) if text is not None else None
    if rows is None:
        _audit(report, data, actor)
        return report
    validate = {
        "agencies": _validate_agencies,
        "officers": _validate_officers,
        "training": _validate_training,
    }[report.kind]
    good = validate(rows, report.problems)
    report.good_rows = len(good)
    if dry_run or (report.problems and not good_rows_only) or not good:
        _audit(report, data, actor)
        return report
    if report.kind == "agencies":
        _apply_agencies(good, report)
    elif report.kind == "officers":
        _apply_officers(good, report, actor)
    else:
        _apply_training(good, report, actor)
    report.applied = True
    db.session.flush()
    _audit(report, data, actor)
    return report


def import_event(report: ImportReport, data: bytes, actor) -> dict:
    """The audit event of one import (``record(**import_event(...))``)."""
    return {
        "action": "roster.imported" if report.applied else "roster.import_refused",
        "obj": None,
        "object_type": "import",
        "object_id": report.kind or "unknown",
        "actor": actor,
        "summary": report.summary(),
        "details": {
            "file": report.filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "rows": report.rows,
            "problems": len(report.problems),
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "good_rows_only": report.good_rows_only,
            "dry_run": report.dry_run,
        },
    }


def _audit(report: ImportReport, data: bytes, actor) -> None:
    audit(**import_event(report, data, actor))


# --- exports in the import layout ---------------------------------------------------


def _yn(value: bool) -> str:
    return "yes" if value else "no"


def _d(value) -> str:
    return value.isoformat() if value else ""


OFFICER_EXPORT_HEADER = COLUMNS["officers"]["required"] + COLUMNS["officers"]["optional"]
TRAINING_EXPORT_HEADER = [
    "officer_external_id",
    "course_code",
    "completed_on",
    "expires_on",
    "officer_name",
    "agency",
    "verified_by",
    "source",
]
AGENCY_EXPORT_HEADER = COLUMNS["agencies"]["required"] + COLUMNS["agencies"]["optional"]


def officer_export_rows(stmt):
    """Rows of the officer export for a roster SELECT (already filtered by policy)."""
    for o in db.session.scalars(stmt.execution_options(yield_per=1000)):
        yield [
            o.external_id or f"id-{o.id}",
            o.first_name,
            o.last_name,
            o.agency.name,
            o.rank_title,
            o.discipline,
            o.email,
            o.phone,
            o.mobile,
            o.flo_level,
            o.status,
            _d(o.supervisor_approved_on),
            _d(o.nda_signed_on),
            _d(o.privacy_ack_on),
        ]


def training_export_rows(officer_condition):
    from flo_portal.users.models import User

    stmt = (
        sa.select(TrainingRecord, Officer, Agency.name, TrainingCourse.code, User.name)
        .join(Officer, Officer.id == TrainingRecord.officer_id)
        .join(Agency, Agency.id == Officer.agency_id)
        .join(TrainingCourse, TrainingCourse.id == TrainingRecord.course_id)
        .outerjoin(User, User.id == TrainingRecord.verified_by_id)
        .where(officer_condition)
        .order_by(
            Agency.name,
            Officer.last_name,
            Officer.first_name,
            TrainingCourse.code,
            TrainingRecord.completed_on,
        )
    )
    for rec, o, agency_name, code, verifier in db.session.execute(
        stmt.execution_options(yield_per=1000)
    ):
        yield [
            o.external_id or f"id-{o.id}",
            code,
            _d(rec.completed_on),
            _d(rec.expires_on),
            o.full_name,
            agency_name,
            verifier or "",
            rec.source,
        ]


def agency_export_rows(condition):
    for a in db.session.scalars(sa.select(Agency).where(condition).order_by(Agency.name)):
        yield [
            a.name,
            a.discipline,
            a.region,
            a.jurisdiction,
            a.contact_name,
            a.contact_email,
            a.contact_phone,
            _yn(a.active),
        ]
