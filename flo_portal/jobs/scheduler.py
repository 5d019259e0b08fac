"""The APScheduler 3 scheduler: one process (`flask scheduler run`), jobs from the registry.

Interval ticks start at the epoch, so separate schedulers fire the same slots; the
runner's tick claim and job lock make each tick run once even if two schedulers run.
"""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from flo_portal.jobs.runner import EPOCH


def run_in_app(app: Flask, name: str, slot: datetime | None = None) -> None:
    """APScheduler calls this: one app context (and one session) per run."""
    from flo_portal.core.extensions import db
    from flo_portal.jobs.runner import run_job

    with app.app_context():
        try:
            run_job(name, slot=slot)
        finally:
            db.session.remove()


def build_scheduler(
    app: Flask,
    *,
    blocking: bool = True,
    names: list[str] | None = None,
    trigger_for=None,
) -> BaseScheduler:
    """A scheduler with the registry's jobs. ``trigger_for(spec)`` may return
    ``(trigger, kwargs)`` to override a job's interval (tests fire a tick on purpose)."""
    from flo_portal.jobs.registry import JOBS

    cls = BlockingScheduler if blocking else BackgroundScheduler
    # SQLite has one writer at a time: run its jobs one after another.
    workers = 1 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else 4
    scheduler = cls(
        timezone=UTC,
        executors={"default": ThreadPoolExecutor(workers)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    for spec in JOBS.values():
        if names is not None and spec.name not in names:
            continue
        kwargs: dict = {}
        if trigger_for is not None:
            trigger, kwargs = trigger_for(spec)
        else:
            trigger = IntervalTrigger(seconds=spec.every_seconds, start_date=EPOCH, timezone=UTC)
        scheduler.add_job(
            run_in_app,
            trigger=trigger,
            args=[app, spec.name],
            kwargs=kwargs,
            id=spec.name,
            name=spec.label,
            replace_existing=True,
        )
    return scheduler
