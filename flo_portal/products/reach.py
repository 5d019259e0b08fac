"""Reach figures: recipients, opens, acknowledgements and ratings, per product and per month,
in SQL aggregates."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.products.models import (
    Product,
    ProductFeedback,
    ProductRecipient,
    ProductType,
)
from flo_portal.security.permissions import Role
from flo_portal.users.models import User


def _month_expr(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def _reach_subqueries(product_ids=None):
    """Per-product recipient and feedback aggregates, limited to ``product_ids`` (a SELECT)."""
    rec_filter = (
        ProductRecipient.product_id.in_(product_ids) if product_ids is not None else sa.true()
    )
    fb_filter = (
        ProductFeedback.product_id.in_(product_ids) if product_ids is not None else sa.true()
    )
    rec = (
        sa.select(
            ProductRecipient.product_id.label("pid"),
            sa.func.count(sa.distinct(ProductRecipient.user_id)).label("recipients"),
            sa.func.count(
                sa.distinct(
                    sa.case(
                        (
                            ProductRecipient.opened_at.is_not(None),
                            ProductRecipient.user_id,
                        )
                    )
                )
            ).label("opened"),
            sa.func.count(
                sa.distinct(
                    sa.case(
                        (
                            ProductRecipient.acknowledged_at.is_not(None),
                            ProductRecipient.user_id,
                        )
                    )
                )
            ).label("acknowledged"),
        )
        .where(rec_filter)
        .group_by(ProductRecipient.product_id)
        .subquery()
    )
    fb = (
        sa.select(
            ProductFeedback.product_id.label("pid"),
            sa.func.count(ProductFeedback.id).label("ratings"),
            sa.func.sum(ProductFeedback.useful).label("useful_sum"),
            sa.func.sum(ProductFeedback.actionable).label("actionable_sum"),
            sa.func.sum(sa.case((ProductFeedback.comment != "", 1), else_=0)).label("comments"),
        )
        .where(fb_filter)
        .group_by(ProductFeedback.product_id)
        .subquery()
    )
    return rec, fb


def reach_scope(user: User):
    """Coordinators see every product's figures, analysts their own."""
    if Role(user.role) == Role.COORDINATOR:
        return sa.true()
    return Product.author_id == user.id


def _avg(total, n):
    return round(float(total) / float(n), 2) if n else None  # PostgreSQL sums are Decimal


def reach_by_product(user: User, limit: int = 500) -> list[dict]:
    """Figures for the ``limit`` most recently published products in the user's scope."""
    newest = (
        sa.select(Product.id)
        .where(Product.published_at.is_not(None), reach_scope(user))
        .order_by(Product.published_at.desc())
        .limit(limit)
    )
    rec, fb = _reach_subqueries(newest)
    rows = db.session.execute(
        sa.select(
            Product.id,
            Product.reference,
            Product.title,
            Product.product_type,
            Product.tlp,
            Product.status,
            Product.published_at,
            Product.version,
            sa.func.coalesce(rec.c.recipients, 0),
            sa.func.coalesce(rec.c.opened, 0),
            sa.func.coalesce(rec.c.acknowledged, 0),
            sa.func.coalesce(fb.c.ratings, 0),
            sa.func.coalesce(fb.c.useful_sum, 0),
            sa.func.coalesce(fb.c.actionable_sum, 0),
            sa.func.coalesce(fb.c.comments, 0),
        )
        .outerjoin(rec, rec.c.pid == Product.id)
        .outerjoin(fb, fb.c.pid == Product.id)
        .where(Product.published_at.is_not(None), reach_scope(user))
        .order_by(Product.published_at.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": r[0],
            "reference": r[1],
            "title": r[2],
            "type": ProductType(r[3]).label,
            "tlp": str(r[4]),
            "status": str(r[5]),
            "published_at": r[6],
            "version": r[7],
            "recipients": r[8],
            "opened": r[9],
            "acknowledged": r[10],
            "ratings": r[11],
            "useful_avg": _avg(r[12], r[11]),
            "actionable_avg": _avg(r[13], r[11]),
            "comments": r[14],
        }
        for r in rows
    ]


def feedback_chart(months: list[dict]) -> dict:
    """Recipients' ratings per month (average usefulness and actionability, 1–5), oldest
    first: a ``data-chart`` spec for static/js/charts.js beside the per-month table."""
    oldest_first = list(reversed(months))
    return {
        "type": "bar",
        "labels": [m["month"] for m in oldest_first],
        "datasets": [
            {"label": "Useful (avg)", "data": [m["useful_avg"] for m in oldest_first]},
            {"label": "Actionable (avg)", "data": [m["actionable_avg"] for m in oldest_first]},
        ],
        "max": 5,
        "axis": "average rating (1–5)",
        "extra": {"label": "ratings", "values": [m["ratings"] for m in oldest_first]},
    }


def reach_by_month(user: User) -> list[dict]:
    rec, fb = _reach_subqueries()
    month = _month_expr(Product.published_at).label("month")
    rows = db.session.execute(
        sa.select(
            month,
            sa.func.count(Product.id),
            sa.func.coalesce(sa.func.sum(rec.c.recipients), 0),
            sa.func.coalesce(sa.func.sum(rec.c.opened), 0),
            sa.func.coalesce(sa.func.sum(rec.c.acknowledged), 0),
            sa.func.coalesce(sa.func.sum(fb.c.ratings), 0),
            sa.func.coalesce(sa.func.sum(fb.c.useful_sum), 0),
            sa.func.coalesce(sa.func.sum(fb.c.actionable_sum), 0),
            sa.func.coalesce(sa.func.sum(fb.c.comments), 0),
        )
        .outerjoin(rec, rec.c.pid == Product.id)
        .outerjoin(fb, fb.c.pid == Product.id)
        .where(Product.published_at.is_not(None), reach_scope(user))
        .group_by(month)
        .order_by(month.desc())
    ).all()
    return [
        {
            "month": r[0],
            "products": r[1],
            "recipients": int(r[2]),  # sums: Decimal on PostgreSQL
            "opened": int(r[3]),
            "acknowledged": int(r[4]),
            "ratings": int(r[5]),
            "useful_avg": _avg(r[6], r[5]),
            "actionable_avg": _avg(r[7], r[5]),
            "comments": int(r[8]),
        }
        for r in rows
    ]
