"""A bearer token's "last used" is kept even when the request it carried failed."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.api.models import ApiToken, TokenScope
from flo_portal.api.tokens import create_token
from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role


def test_a_failed_api_request_still_marks_its_token_used(client, make_user):
    user = make_user(Role.ANALYST)
    _row, text = create_token(user, "test token", TokenScope.READ, 30)
    db.session.commit()
    answer = client.get("/api/v1/rfis/999999", headers={"Authorization": f"Bearer {text}"})
    assert answer.status_code == 404
    db.session.rollback()
    row = db.session.scalar(sa.select(ApiToken))
    db.session.refresh(row)
    assert row.last_used_at is not None
