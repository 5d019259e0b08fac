"""`flask roster ...`: import and export CSV, refresh the training-current flags, rebuild
the training-validity summary."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from flo_portal.core.actors import system_actor
from flo_portal.core.unit_of_work import transaction


def _export(what: str, output: Path) -> list:
    """Write the CSV and record the export; the caller's transaction commits it."""
    import sqlalchemy as sa

    from flo_portal.agencies.models import Agency
    from flo_portal.audit.services import record as audit
    from flo_portal.core.csv_export import csv_text
    from flo_portal.roster import importer
    from flo_portal.roster.models import Officer

    if what == "agencies":
        header, rows = (
            importer.AGENCY_EXPORT_HEADER,
            importer.agency_export_rows(sa.true()),
        )
    elif what == "officers":
        stmt = (
            sa.select(Officer)
            .join(Officer.agency)
            .options(sa.orm.contains_eager(Officer.agency))
            .order_by(Agency.name, Officer.last_name, Officer.first_name)
        )
        header, rows = (
            importer.OFFICER_EXPORT_HEADER,
            importer.officer_export_rows(stmt),
        )
    else:
        header, rows = (
            importer.TRAINING_EXPORT_HEADER,
            importer.training_export_rows(sa.true()),
        )
    rows = list(rows)
    output.write_text(csv_text(header, rows), encoding="utf-8")
    audit(
        f"{what}.exported",
        None,
        object_type=what,
        object_id="cli",
        summary=f"{len(rows)} rows to {output.name}",
        actor=system_actor("cli:roster-export"),
    )
    return rows


def register(app: Flask) -> None:
    roster = click.Group("roster", help="Roster import/export and maintenance.")

    @roster.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--kind",
        type=click.Choice(["agencies", "officers", "training"]),
        default=None,
        help="What the file holds (default: detected from the columns).",
    )
    @click.option(
        "--good-rows-only",
        is_flag=True,
        help="Import the good rows even if some are bad.",
    )
    @click.option("--check", "dry_run", is_flag=True, help="Only check the file; import nothing.")
    def import_cmd(file: Path, kind: str | None, good_rows_only: bool, dry_run: bool) -> None:
        """Import FILE (CSV, UTF-8). Exit status 1 when any row is bad."""
        from flo_portal.roster.importer import import_csv

        with transaction():  # the audit event, and the rows when applied
            report = import_csv(
                file.read_bytes(),
                kind=kind,
                good_rows_only=good_rows_only,
                dry_run=dry_run,
                actor=system_actor("cli:roster-import"),
                filename=file.name,
            )
        for problem in report.shown_problems:
            click.echo(str(problem), err=True)
        if len(report.problems) > len(report.shown_problems):
            click.echo(
                f"... and {len(report.problems) - len(report.shown_problems)} more problems",
                err=True,
            )
        click.echo(report.summary())
        if report.problems:
            sys.exit(1)

    @roster.command("export")
    @click.argument("what", type=click.Choice(["agencies", "officers", "training"]))
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
    def export_cmd(what: str, output: Path) -> None:
        """Write agencies, officers or training records as CSV in the import layout."""
        with transaction():
            rows = _export(what, output)
        click.echo(f"{len(rows)} rows written to {output}")

    @roster.command("refresh-current")
    def refresh_cmd() -> None:
        """Recompute every officer's training-current flag (run daily: records expire)."""
        from flo_portal.training.services import refresh_training_current

        with transaction():
            n = refresh_training_current()
        click.echo(f"training_current recomputed for {n} officers")

    @roster.command("rebuild-validity")
    def rebuild_validity_cmd() -> None:
        """Rebuild the training-validity summary the coverage page reads from the records
        (it is kept on every write; this repairs it after a change made outside the app)."""
        import sqlalchemy as sa

        from flo_portal.core.extensions import db
        from flo_portal.training.models import OfficerCourseValidity
        from flo_portal.training.services import refresh_validity

        with transaction():
            refresh_validity()
            n = db.session.scalar(sa.select(sa.func.count()).select_from(OfficerCourseValidity))
        click.echo(f"training validity rebuilt: {n} officer/course rows")

    app.cli.add_command(roster)
