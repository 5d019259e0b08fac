"""The RFI queue runs as many queries with a filter as without, at any data size
(issue 18: the filtered queue committed its audit event before rendering, so every row
expired and reloaded one by one)."""

from __future__ import annotations

from bench.harness import count_queries
from flo_portal.core.extensions import db
from flo_portal.security.permissions import Role
from tests.rfis.helpers import submit

URLS = {
    "unfiltered": "/rfis/queue",
    "status and priority": "/rfis/queue?status=submitted&priority=routine",
    "search": "/rfis/queue?q=tanker",
}


def _counts(client) -> dict[str, int]:
    counts = {}
    for name, url in URLS.items():
        client.get(url)  # warm-up
        db.session.expire_all()
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert b"Stolen fuel tanker" in response.data  # rows were rendered, not an empty page
        counts[name] = counter["n"]
    return counts


def _submit_many(requesters, n: int) -> None:
    for i in range(n):
        submit(requesters[i % len(requesters)], commit=False)
    db.session.commit()


def test_filtered_queue_queries_equal_the_unfiltered_ones_at_two_sizes(make_user, client, login_as):
    requesters = [make_user(Role.LIAISON_OFFICER) for _ in range(3)]
    _submit_many(requesters, 4)
    coordinator = login_as(Role.COORDINATOR)
    small = _counts(client)
    assert len(set(small.values())) == 1, small  # a filter adds no query per row

    requesters += [make_user(Role.LIAISON_OFFICER) for _ in range(5)]
    _submit_many(requesters, 40)  # more than one page of 25
    login_as(coordinator)
    large = _counts(client)
    assert large == small
