"""Building SARs for tests through the real service (audit, notices)."""

from __future__ import annotations

from datetime import timedelta

from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.sar import services
from flo_portal.sar.models import SarCategory


def file_sar(reporter, *, category=SarCategory.SURVEILLANCE, observed=None, commit=True, **kw):
    sar = services.submit_sar(
        reporter,
        category=category,
        observed=observed
        or "Two men timed the guard rotation with a stopwatch and sketched the gate.",
        observed_at=utcnow() - timedelta(hours=3),
        observed_tz="America/New_York",
        location=kw.pop("location", "North gate, Harbor water treatment plant"),
        subjects=kw.pop("subjects", "White pickup, partial plate 7XJ"),
        local_report=kw.pop("local_report", "Harbor County SO case 26-1142"),
        attested=True,
        **kw,
    )
    if commit:
        db.session.commit()
    return sar
