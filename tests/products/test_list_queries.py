"""Product list pages run a fixed number of queries whatever the number of rows (no
query per row for the author or the recipient)."""

from __future__ import annotations

from bench.harness import count_queries
from flo_portal.core.extensions import db
from flo_portal.products import services
from flo_portal.products.models import Product
from flo_portal.security.permissions import Role
from flo_portal.users.models import User
from tests.products.helpers import draft, publish


def _queries(client, url) -> int:
    client.get(url)  # warm-up
    db.session.expire_all()  # nothing loaded is trusted: every read is SQL
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return counter["n"]


def _add_products(make_user, first: int, n: int) -> None:
    for i in range(first, first + n):
        author = make_user(Role.ANALYST, name=f"Author {i}")
        product = draft(author, title=f"Draft {i}")
        services.transition(product, "submit", author)
        sent = draft(author, title=f"Private {i}", privacy_review_requested=True)
        services.transition(sent, "submit", author)
    db.session.commit()


def test_work_queue_privacy_queue_and_log_do_not_grow_with_rows(make_user, client, login_as):
    coordinator = make_user(Role.COORDINATOR)
    privacy = make_user(Role.PRIVACY_OFFICER)
    for _ in range(2):
        make_user(Role.LIAISON_OFFICER)
    pid = publish(draft(make_user(Role.ANALYST)), coordinator).id
    coordinator_id, privacy_id = coordinator.id, privacy.id

    _add_products(make_user, 0, 2)
    login_as(coordinator)
    small_work = _queries(client, "/products/work")
    small_log = _queries(client, f"/products/{pid}/log")
    login_as(privacy)
    small_privacy = _queries(client, "/products/privacy-queue")

    coordinator = db.session.get(User, coordinator_id)
    privacy = db.session.get(User, privacy_id)
    _add_products(make_user, 2, 6)
    more = [make_user(Role.LIAISON_OFFICER) for _ in range(6)]
    services.update_product(
        db.session.get(Product, pid), {"summary": "Revised for everyone."}, coordinator, "v2"
    )
    db.session.commit()
    assert len(more) == 6
    login_as(coordinator)
    work = client.get("/products/work")
    assert b"Author 7" in work.data
    assert _queries(client, "/products/work") == small_work
    assert _queries(client, f"/products/{pid}/log") == small_log
    login_as(privacy)
    assert b"Author 7" in client.get("/products/privacy-queue").data
    assert _queries(client, "/products/privacy-queue") == small_privacy


def _publish_alerts(make_user, coordinator, first: int, n: int) -> None:
    for i in range(first, first + n):
        author = make_user(Role.ANALYST, name=f"Alert author {i}")
        publish(draft(author, title=f"Alert {i}", product_type="officer_safety"), coordinator)


def test_feed_does_not_grow_with_rows(make_user, client, login_as):
    coordinator = make_user(Role.COORDINATOR)
    flo = make_user(Role.LIAISON_OFFICER)
    coordinator_id, flo_id = coordinator.id, flo.id
    _publish_alerts(make_user, coordinator, 0, 2)
    login_as(flo)
    small = _queries(client, "/products/")

    _publish_alerts(make_user, db.session.get(User, coordinator_id), 2, 28)  # past a page
    login_as(db.session.get(User, flo_id))
    feed = client.get("/products/")
    assert feed.data.count(b"Acknowledgement needed") == 25  # each row's own receipt
    assert feed.data.count(b"product-unread") == 25
    assert _queries(client, "/products/") == small
