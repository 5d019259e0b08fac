"""The daily retention review job (declared in ``flo_portal/registry.py``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app

from flo_portal.core import clock
from flo_portal.core.actors import system_actor
from flo_portal.notifications.services import notify
from flo_portal.retention.services import purge, retention_due
from flo_portal.security.permissions import Role
from flo_portal.users.queries import active_users_with_role


def run_retention_review(now: datetime | date) -> dict:
    """Tell privacy officers what is due (once per item and due date) and purge items left
    unvalidated RETENTION_GRACE_DAYS after their review date.

    The job runner passes the moment it runs (``now``); its day is the center's
    (``clock.today``). A date is taken as that day. Purges are the job's
    (``system_actor("job:retention_review")``)."""
    today = clock.today(now) if isinstance(now, datetime) else now
    actor = system_actor("job:retention_review")
    grace = int(current_app.config.get("RETENTION_GRACE_DAYS", 30))
    due = retention_due(today)
    officers = active_users_with_role(Role.PRIVACY_OFFICER)
    flagged = purged = 0
    for item in due:
        if item.review_due_on + timedelta(days=grace) < today:
            purge(
                item.kind,
                item.id,
                actor,
                f"not validated within {grace} days of {item.review_due_on}",
                today,
            )
            purged += 1
            continue
        new = False
        for officer in officers:
            n = notify(
                officer,
                "retention.due",
                f"Retention review due: {item.reference}",
                f"Criminal intelligence due for review on {item.review_due_on}. Validate it "
                f"or purge it; unvalidated items are purged {grace} days after that date.",
                "/products/retention",
                email=True,
                dedupe_key=f"retention:{item.kind}:{item.id}:{item.review_due_on}:{officer.id}",
            )
            new = new or n is not None
        flagged += int(new)
    return {"due": len(due), "flagged": flagged, "purged": purged}
