"""Writing the good rows of an import: matched on their stable key, created in bulk or
updated in place; the report counts created, updated and unchanged rows. Flushes only."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.agencies.models import Agency
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.roster.importing.layout import CHUNK, ImportReport
from flo_portal.roster.models import Officer, OfficerStatusChange
from flo_portal.training.models import TrainingCourse, TrainingRecord
from flo_portal.training.services import expiry_for, refresh_training_current, refresh_validity


def _apply_agencies(good, report: ImportReport, actor) -> None:
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
        refresh_validity()
        refresh_training_current()


# Writing the good rows of each kind: (good, report, actor).
APPLIERS = {
    "agencies": _apply_agencies,
    "officers": _apply_officers,
    "training": _apply_training,
}
