"""CSV import of agencies, officers and training records (and the matching exports).

Every row is checked before anything is written. With problems, nothing is imported
unless the caller asks for the good rows only. Rows are matched on a stable key
(agency: name; officer: external_id; training: officer external_id + course code +
completion date), so importing the same file twice changes nothing the second time.
The export writes the same columns, so an export can be edited and imported again.

The steps live in ``flo_portal/roster/importing/``: ``read`` (bytes to rows),
``validate`` (rows to clean values and problems with line and column), ``apply`` (the
good rows written) and ``export``; this module runs them and audits the import.
"""

from __future__ import annotations

import hashlib

from flo_portal.audit.services import record as audit
from flo_portal.core.extensions import db
from flo_portal.roster.importing.apply import APPLIERS
from flo_portal.roster.importing.export import (
    AGENCY_EXPORT_HEADER,
    OFFICER_EXPORT_HEADER,
    TRAINING_EXPORT_HEADER,
    agency_export_rows,
    officer_export_rows,
    training_export_rows,
)
from flo_portal.roster.importing.layout import (
    COLUMNS,
    KINDS,
    MAX_BYTES,
    ImportReport,
    Problem,
)
from flo_portal.roster.importing.read import decode, detect_kind, read_rows
from flo_portal.roster.importing.validate import VALIDATORS


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

    ``actor`` is the acting user (or a system actor). Flushes; the unit of work commits
    (or rolls back). Audited as one event with the counts.
    """
    report = ImportReport(filename=filename[:200], good_rows_only=good_rows_only, dry_run=dry_run)
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    text = decode(data, report)
    rows = read_rows(text, kind, report) if text is not None else None
    if rows is not None:
        good = VALIDATORS[report.kind](rows, report.problems)
        report.good_rows = len(good)
        if good and not dry_run and (good_rows_only or not report.problems):
            APPLIERS[report.kind](good, report, actor)
            report.applied = True
            db.session.flush()
    audit(**import_event(report, data, actor))
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


__all__ = [
    "AGENCY_EXPORT_HEADER",
    "COLUMNS",
    "KINDS",
    "MAX_BYTES",
    "OFFICER_EXPORT_HEADER",
    "TRAINING_EXPORT_HEADER",
    "ImportReport",
    "Problem",
    "agency_export_rows",
    "detect_kind",
    "import_csv",
    "import_event",
    "officer_export_rows",
    "training_export_rows",
]
