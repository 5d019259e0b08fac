"""Flask extensions, created here and bound in create_app()."""

import sqlalchemy as sa
from flask import has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.pagination import SelectPagination
from flask_wtf import CSRFProtect

from flo_portal.core.orm import Base

# The highest page number a list accepts: beyond it offsets overflow the database's
# integer (500 on SQLite and PostgreSQL); no list here is anywhere near this long.
MAX_PAGE = 100_000


def requested_page() -> int:
    """The ``page`` query argument as 1..MAX_PAGE: non-numeric or below 1 is page 1, a
    number beyond MAX_PAGE is MAX_PAGE (an empty page, like any page past the end)."""
    raw = request.args.get("page", "1") if has_request_context() else "1"
    try:
        page = int(raw[:12])  # a 12-digit cap keeps int() cheap on a megabyte of digits
    except ValueError:
        return 1
    if len(raw) > 12 and raw.strip().isdigit():
        return MAX_PAGE
    return min(max(page, 1), MAX_PAGE)


class RowPagination(SelectPagination):
    """A page of a select of several columns: its items are the rows, not the first column."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select))


def with_total(select: sa.Select) -> sa.Select:
    """``select`` with the number of its rows in a last column, counted before any LIMIT."""
    return select.add_columns(sa.func.count().over())


class TotalWithPagePagination(SelectPagination):
    """A page whose total comes with its rows, in one statement: ``count(*) OVER ()``
    counts the matches before the LIMIT. For a search, where a separate count repeats
    the whole search; an unfiltered list that reads its page from an index in order is
    cheaper with the plain count. A page past the end has no row to carry the total,
    and asks for it separately."""

    _total: int | None = None

    def _query_items(self) -> list:
        paged = (
            with_total(self._query_args["select"]).limit(self.per_page).offset(self._query_offset)
        )
        rows = self._query_args["session"].execute(paged).unique().all()
        self._total = rows[0][-1] if rows else (0 if self.page == 1 else None)
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        return super()._query_count() if self._total is None else self._total


class PortalSQLAlchemy(SQLAlchemy):
    def paginate(self, select, *, page=None, total_with_page: bool = False, **kwargs):
        """Every list page paginates here: the page number from the query string is
        always clamped to 1..MAX_PAGE, so no ``page=`` value can reach the database as
        an out-of-range offset. ``total_with_page`` reads the total with the page's rows
        (``TotalWithPagePagination``: for searches)."""
        page = requested_page() if page is None else page
        if total_with_page:
            return TotalWithPagePagination(
                select=select, session=self.session(), page=page, **kwargs
            )
        return super().paginate(select, page=page, **kwargs)

    def paginate_rows(self, select, *, per_page: int, max_per_page: int | None = None):
        """``paginate`` for a select of several columns (a report's rows)."""
        return RowPagination(
            select=select,
            session=self.session(),
            page=requested_page(),
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=False,
            count=True,
        )


db = PortalSQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
