"""Every scheduled job: what the features declare in ``flo_portal/registry.py``.

Each job is a function ``fn(now) -> counts`` that claims due rows idempotently and
flushes; the runner commits and records a JobRun. A job's module is imported when the job
runs, so the scheduler process loads only what it runs.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flo_portal.registry import JOBS as FEATURE_JOBS

log = logging.getLogger("flo_portal.jobs")


@dataclass(frozen=True)
class JobSpec:
    name: str
    label: str
    every_seconds: int
    func: Callable[[datetime], object]


def _load(target: str) -> Callable[[datetime], object]:
    """The job function named ``"module:function"``, imported when the job first runs."""

    def run(now: datetime):
        module, _, name = target.partition(":")
        return getattr(importlib.import_module(module), name)(now)

    run.__qualname__ = run.__name__ = target.rpartition(":")[2]
    return run


# Each feature declares its jobs in flo_portal/registry.py.
JOBS: dict[str, JobSpec] = {
    job.name: JobSpec(job.name, job.label, job.every_seconds, _load(job.target))
    for job in FEATURE_JOBS
}
