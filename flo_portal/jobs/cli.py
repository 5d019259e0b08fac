"""`flask scheduler run | run-job NAME | list`."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app


def register(app: Flask) -> None:
    group = click.Group("scheduler", help="The job scheduler (run it in its own process).")

    @group.command("run")
    def run() -> None:
        """Run the scheduler in the foreground until interrupted."""
        from flo_portal.jobs.registry import JOBS
        from flo_portal.jobs.scheduler import build_scheduler

        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        app_obj = current_app._get_current_object()
        scheduler = build_scheduler(app_obj, blocking=True)
        click.echo(f"Scheduler started with {len(JOBS)} jobs: {', '.join(JOBS)}")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            click.echo("Scheduler stopped.")

    @group.command("run-job")
    @click.argument("name")
    def run_job_command(name: str) -> None:
        """Run one job now (recorded like a scheduled run)."""
        from flo_portal.core.orm import utcnow
        from flo_portal.jobs.registry import JOBS
        from flo_portal.jobs.runner import run_job

        if name not in JOBS:
            raise click.ClickException(f"Unknown job {name!r}; known: {', '.join(JOBS)}")
        run = run_job(name, slot=utcnow())
        if run is None:
            click.echo("Another scheduler claimed this tick.")
            return
        click.echo(f"{name}: {run.outcome} {run.counts}")
        if run.outcome == "error":
            click.echo(run.error, err=True)
            raise SystemExit(1)

    @group.command("list")
    def list_jobs() -> None:
        """List the registered jobs and their intervals."""
        from flo_portal.jobs.registry import JOBS

        for spec in JOBS.values():
            click.echo(f"{spec.name:<26} every {spec.every_seconds:>6} s  {spec.label}")

    app.cli.add_command(group)
