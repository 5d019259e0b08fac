"""The demo follows reach the demo FLOs through the demo products."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.notifications.models import Notification
from flo_portal.users.models import User


def test_seed_demo_leaves_following_notices(app, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    flo = db.session.scalar(sa.select(User).where(User.email == "flo@capitalpd.example.gov"))
    titles = db.session.scalars(
        sa.select(Notification.title).where(
            Notification.user_id == flo.id, Notification.kind == "following.product"
        )
    ).all()
    assert any("Copper theft" in t for t in titles)
    assert any("Armed subject" in t for t in titles)
