"""/search: the navigation's search box. Works without JavaScript (a GET form)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from flo_portal.audit.reads import audit_listing
from flo_portal.core.extensions import requested_page
from flo_portal.search.kinds import BY_NAME
from flo_portal.search.queries import (
    MAX_QUERY,
    saved_terms,
    search_kind,
    searchable_kinds,
    terms_of,
)
from flo_portal.security import authenticated
from flo_portal.subscriptions.services import followed_keys

bp = Blueprint("search", __name__)

OVERVIEW = 5  # hits of each kind on the first page
# The first page counts at most this many of each kind ("100+"), so a word in most
# documents walks 100 matches per kind, not 1000; the one-kind page counts up to CAP.
OVERVIEW_CAP = 100
PER_PAGE = 20  # hits on a page of one kind


class _Page(Pagination):
    """A page whose items and total the search computed (one query per kind)."""

    def __init__(self, result, page: int, per_page: int):
        self._result = result
        super().__init__(page=page, per_page=per_page, error_out=False)

    def _query_items(self) -> list:
        return self._result.hits

    def _query_count(self) -> int:
        return self._result.total


@bp.route("")
@authenticated
def index():
    q = (request.args.get("q") or "")[:MAX_QUERY]
    terms = terms_of(q)
    kinds = searchable_kinds(current_user)
    chosen = BY_NAME.get(request.args.get("kind", ""))
    if chosen not in kinds:
        chosen = None
    results, pager = [], None
    if terms and chosen is not None:
        page = requested_page()
        result = search_kind(
            chosen, current_user, terms, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
        )
        results, pager = [result], _Page(result, page, PER_PAGE)
    elif terms:
        results = [
            search_kind(k, current_user, terms, limit=OVERVIEW, cap=OVERVIEW_CAP) for k in kinds
        ]
    if terms:
        counts = {r.kind.name: r.total for r in results}
        audit_listing(
            "search",
            {"terms": q, "kind": chosen.name if chosen else ""},
            sum(counts.values()),
            values=("kind",),
            listing="portal",
            page=pager.page if pager else None,
            counts=counts,
        )
    saved = saved_terms(q)
    return render_template(
        "search/results.html",
        q=q,
        saved=saved,
        following=bool(saved) and ("search", saved) in followed_keys(current_user),
        searched=bool(terms),
        results=results,
        chosen=chosen,
        pager=pager,
        overview=OVERVIEW,
    )
