"""Loading a notice for its owner: one loader for every page that takes a notice id."""

from __future__ import annotations

from flo_portal.audit.reads import refuse
from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification


def get_own_notice_or_404(user, notification_id: int) -> Notification:
    """``user``'s own notice, else 404 (someone else's is refused and recorded)."""
    notice = db.session.get(Notification, notification_id)
    if notice is None or notice.user_id != user.id:
        refuse(notice)
    return notice
