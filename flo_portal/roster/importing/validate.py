"""Checking the rows of an import: each kind's rows to clean values, every problem with its
line and column. Nothing is written here."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa

from flo_portal.agencies.models import Agency, Discipline
from flo_portal.agreements.queries import current_versions_for_role
from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.roster.importing.layout import CHUNK, Problem, Rows
from flo_portal.roster.models import FloLevel, Officer, OfficerStatus
from flo_portal.roster.workflow import TRANSITIONS, needs_onboarding, onboarding_problems
from flo_portal.security.permissions import Role
from flo_portal.training.models import TrainingCourse

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE_WORDS = {"yes", "y", "true", "1", "active"}
FALSE_WORDS = {"no", "n", "false", "0", "inactive"}


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


def _validate_agencies(rows: Rows, problems: list[Problem]):
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


def _lifecycle_problems(values: dict, line: int, agreements: list) -> list[Problem]:
    """The officer page's onboarding rule for the status a row asks for: an officer is
    never active (or inactive/suspended after being active) without supervisor approval
    and the current agreements signed (a new officer has signed none in the portal)."""
    status = values.get("status")
    if status not in _ONBOARDED_STATUSES:
        return []
    missing = onboarding_problems(SimpleNamespace(**values), agreements=agreements)
    if not missing:
        return []
    return [
        Problem(
            line,
            "status",
            f"'{status}' needs {', '.join(missing)}; import as nominated, or add the dates and have the officer sign in the portal",
        )
    ]


def _existing_external_ids(keys: list[str]) -> set[str]:
    """The lower-cased external ids among ``keys`` that name officers already stored."""
    wanted = sorted({k.strip() for k in keys if k and k.strip()})
    found: set[str] = set()
    for i in range(0, len(wanted), CHUNK):
        found.update(
            k.lower()
            for k in db.session.scalars(
                sa.select(Officer.external_id).where(Officer.external_id.in_(wanted[i : i + CHUNK]))
            )
            if k
        )
    return found


def _validate_officers(rows: Rows, problems: list[Problem]):
    agencies = {
        name.lower(): (aid, disc)
        for aid, name, disc in db.session.execute(
            sa.select(Agency.id, Agency.name, Agency.discipline)
        )
    }
    good, seen = [], {}
    # A new officer's row needs the current agreements signed to be imported as active
    # (a new officer has signed none); an existing officer's status never changes here.
    agreements = current_versions_for_role(Role.LIAISON_OFFICER)
    known = _existing_external_ids([row.get("external_id", "") for _l, row in rows.items if row])
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
        errs.extend(
            _lifecycle_problems(values, line, [] if (ext or "").lower() in known else agreements)
        )
        if ext and ext.lower() in seen:
            errs.append(Problem(line, "external_id", f"duplicate of line {seen[ext.lower()]}"))
        elif ext:
            seen[ext.lower()] = line
        problems.extend(errs)
        if not errs:
            good.append((line, values))
    return good


def _validate_training(rows: Rows, problems: list[Problem]):
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


# The validation of each kind: (rows, problems) -> [(line, clean values)] for the good rows.
VALIDATORS = {
    "agencies": _validate_agencies,
    "officers": _validate_officers,
    "training": _validate_training,
}
