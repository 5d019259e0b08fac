"""The portal's TAXII 2.1 server (read only): discovery at /taxii2/, one API root.

* Media type ``application/taxii+json;version=2.1`` in and out; a request whose Accept
  does not take it gets 406. Errors are TAXII error messages (title, description,
  http_status), never an HTML page or a 500.
* Authentication: the portal's API tokens, as ``Authorization: Bearer flo_pat_...`` or,
  for TAXII clients that only speak HTTP Basic, as the password (any user name).
* Collections are views of the dissemination rule (``exchange.policies``): a client sees
  the released versions its account may open, never TLP:RED, paged in SQL on the version
  id with a signed ``next``. Every successful request is audited with its user; every
  report sent is written to the products' dissemination log (product_recipient).
* One envelope carries the reports and, once each, the identity and marking definitions
  they refer to (a consumer has none of them beforehand); ``limit`` counts reports.
"""

from __future__ import annotations

import functools
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, g, json, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.exceptions import HTTPException

from flo_portal.api.tokens import find_usable_token
from flo_portal.audit.services import record
from flo_portal.core.extensions import db
from flo_portal.core.orm import upsert_insert, utcnow
from flo_portal.core.unit_of_work import after_failure
from flo_portal.exchange import stix
from flo_portal.exchange.policies import (
    COLLECTIONS,
    COLLECTIONS_BY_ID,
    CollectionDef,
    may_send,
    may_use_taxii,
    versions_select,
)
from flo_portal.products.models import Product, ProductRecipient, ProductVersion
from flo_portal.security import public
from flo_portal.users.models import User

bp = Blueprint("taxii", __name__)

TAXII_MEDIA = "application/taxii+json;version=2.1"
STIX_MEDIA = "application/stix+json;version=2.1"
DEFAULT_LIMIT = 100
MAX_LIMIT = 100
MILLISECOND = timedelta(milliseconds=1)


class TaxiiError(HTTPException):
    """A TAXII 2.1 error message (section 3.6.1)."""

    def __init__(self, status: int, title: str, description: str = "") -> None:
        super().__init__(description=description or title)
        self.code = status
        self.title = title

    def get_response(self, environ=None, scope=None):
        body = {"title": self.title, "description": self.description, "http_status": str(self.code)}
        response = Response(json.dumps(body), status=self.code, mimetype=None)
        response.headers["Content-Type"] = TAXII_MEDIA
        if self.code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="flo-portal-taxii", Basic'
        return response


@bp.errorhandler(TaxiiError)
def _taxii_error(err: TaxiiError):
    return err.get_response()


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    if isinstance(err, TaxiiError):
        return err.get_response()
    return TaxiiError(err.code or 500, err.name or "Error", err.description or "").get_response()


@bp.errorhandler(Exception)
def _unexpected(err: Exception):
    # The unit of work has rolled the request back already (core/unit_of_work.py).
    current_app.logger.exception("TAXII request failed: %s %s", request.method, request.path)
    return TaxiiError(500, "Server error", "The error was logged.").get_response()


def _taxii_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body), status=status)
    response.headers["Content-Type"] = TAXII_MEDIA
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# ---------------------------------------------------------------- request rules


def _accepts_taxii() -> bool:
    """Accept must name application/taxii+json, version 2.1 or no version."""
    header = request.headers.get("Accept", "")
    for part in header.split(","):
        bits = [b.strip().lower() for b in part.split(";")]
        if bits[0] != "application/taxii+json":
            continue
        params = dict(b.split("=", 1) for b in bits[1:] if "=" in b)
        if params.get("version", "2.1").strip() == "2.1":
            return True
    return False


def _token_text() -> str | None:
    auth = request.authorization
    if auth is None:
        return None
    if auth.type == "bearer":
        return (auth.token or "").strip() or None
    if auth.type == "basic":
        return (auth.password or "").strip() or None
    return None


@bp.before_request
def taxii_request_rules():
    """Authenticate with an API token, then check the Accept header."""
    token_text = _token_text()
    token = find_usable_token(token_text) if token_text else None
    if token is None:
        raise TaxiiError(401, "Unauthorized", "Send a valid portal API token.")
    user = db.session.get(User, token.user_id)
    # The same per-request marks the API's loader sets (flo_portal.api.tokens), so the
    # session rules treat this as a token request; its teardown clears them.
    user.via_token = True
    user.token_id = token.id
    user.token_scope = token.scope
    g.api_token_user = user
    g._login_user = user
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now  # committed with the request's unit of work


def taxii_view(view):
    """Every TAXII endpoint: open to the guard (the token was checked before), then the
    role and the Accept header, inside the request's unit of work, so that a refused
    request of a signed-in client is audited too (``_write_failure``)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            if not may_use_taxii(current_user):
                raise TaxiiError(403, "Forbidden", "Your role may not read products.")
            if request.method in ("GET", "HEAD") and not _accepts_taxii():
                raise TaxiiError(406, "Not Acceptable", f"This server answers {TAXII_MEDIA} only.")
            return view(*args, **kwargs)
        except HTTPException as err:
            g.taxii_failure = {"status": err.code, "endpoint": request.endpoint or ""}
            raise

    return public(wrapper)


def _write_failure() -> bool:
    """Unit of work, after a failed request's rollback: the TAXII request it was."""
    failure = g.pop("taxii_failure", None)
    if failure is None or not getattr(current_user, "is_authenticated", False):
        return False
    record(
        "taxii.refused",
        None,
        summary=f"TAXII request refused ({failure['status']})",
        details={**failure, "path": request.path[:200], "token_id": current_user.token_id},
        object_type="taxii",
        object_id=str(failure["status"]),
        actor=current_user._get_current_object(),
    )
    return True


bp.record_once(lambda state: after_failure(state.app, _write_failure))  # type: ignore[arg-type]


def _audit(action: str, details: dict, object_id: str = "") -> None:
    details = {**details, "via": "taxii", "token_id": getattr(current_user, "token_id", None)}
    record(
        f"taxii.{action}",
        None,
        summary=f"TAXII {action} {object_id}".strip()[:500],
        details=details,
        object_type="taxii",
        object_id=object_id or action,
        actor=current_user._get_current_object(),
    )


# ---------------------------------------------------------------- discovery, root


def _root_url() -> str:
    return url_for("taxii.api_root", _external=True)


@bp.get("/")
@taxii_view
def discovery():
    _audit("discovery", {})
    return _taxii_response(
        {
            "title": f"{stix.center_name()} TAXII server",
            "description": "Products of the center as STIX 2.1, by your account's access.",
            "default": _root_url(),
            "api_roots": [_root_url()],
        }
    )


@bp.get("/api/")
@taxii_view
def api_root():
    _audit("api_root", {})
    return _taxii_response(
        {
            "title": f"{stix.center_name()} products",
            "description": "Released products as STIX 2.1 reports.",
            "versions": [TAXII_MEDIA],
            "max_content_length": 0,  # the server accepts no objects
        }
    )


@bp.get("/api/status/<status_id>/")
@taxii_view
def status(status_id: str):
    raise TaxiiError(404, "Not Found", "No such status: this server accepts no objects.")


def _collection_info(c: CollectionDef) -> dict:
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "can_read": True,
        "can_write": False,
        "media_types": [STIX_MEDIA],
    }


def _collection(collection_id: str) -> CollectionDef:
    c = COLLECTIONS_BY_ID.get(collection_id)
    if c is None:
        raise TaxiiError(404, "Not Found", "No such collection.")
    return c


@bp.get("/api/collections/")
@taxii_view
def collections():
    _audit("collections", {"count": len(COLLECTIONS)})
    return _taxii_response({"collections": [_collection_info(c) for c in COLLECTIONS]})


@bp.get("/api/collections/<collection_id>/")
@taxii_view
def collection(collection_id: str):
    c = _collection(collection_id)
    _audit("collection", {}, c.id)
    return _taxii_response(_collection_info(c))


# ---------------------------------------------------------------- filters and paging


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="flo-portal:taxii-next")


def _limit() -> int:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or int(raw) < 1:
        raise TaxiiError(400, "Bad Request", "limit must be a positive whole number.")
    return min(int(raw), MAX_LIMIT)


def _next_after(c: CollectionDef, kind: str) -> int | None:
    raw = request.args.get("next")
    if not raw:
        return None
    try:
        data = _serializer().loads(raw[:500])
    except (BadSignature, UnicodeError, ValueError):
        data = None
    if (
        not isinstance(data, dict)
        or data.get("c") != c.id
        or data.get("k") != kind
        or not isinstance(data.get("a"), int)
    ):
        raise TaxiiError(400, "Bad Request", "next is not a value this server gave out.")
    return data["a"]


def _added_after_condition():
    raw = request.args.get("added_after")
    if not raw:
        return None
    try:
        after = stix.parse_time(raw)
    except ValueError:
        raise TaxiiError(400, "Bad Request", "added_after must be a STIX timestamp.") from None
    # date_added is published_at to the millisecond: "date_added > after" is
    # "published_at >= after, to the millisecond, + 1 ms".
    floor = after.replace(microsecond=after.microsecond // 1000 * 1000)
    try:
        return ProductVersion.published_at >= floor + MILLISECOND
    except OverflowError:  # after the last representable millisecond: nothing is later
        return sa.false()


def _csv_arg(name: str) -> list[str]:
    raw = request.args.get(name)
    if raw is None:
        return []
    return [v.strip() for v in raw.split(",") if v.strip()][:100]


def _version_condition(default: str = "last"):
    values = _csv_arg("match[version]") or [default]
    clauses = []
    for v in values:
        if v == "all":
            return None
        if v == "last":
            clauses.append(ProductVersion.number == Product.version)
        elif v == "first":
            clauses.append(ProductVersion.number == 1)
        else:
            try:
                at = stix.parse_time(v)
            except ValueError:
                raise TaxiiError(
                    400, "Bad Request", "match[version] takes last, first, all or timestamps."
                ) from None
            floor = at.replace(microsecond=at.microsecond // 1000 * 1000)
            try:
                until = floor + MILLISECOND
            except OverflowError:
                continue  # no version is published at the end of time
            clauses.append(
                sa.and_(ProductVersion.published_at >= floor, ProductVersion.published_at < until)
            )
    return sa.or_(*clauses) if clauses else sa.false()


def _types_wanted() -> set[str] | None:
    types = _csv_arg("match[type]")
    return set(types) if types else None


def _spec_ok() -> bool:
    specs = _csv_arg("match[spec_version]")
    return not specs or "2.1" in specs


def _product_ids_for(report_ids: list[str], stmt) -> list[int]:
    """The product ids whose report ids are ``report_ids`` (report ids are derived, one
    way, from the product id: compare over the ids the user may see)."""
    wanted = set(report_ids)
    candidates = db.session.scalars(stmt.with_only_columns(Product.id).distinct()).all()
    return [pid for pid in candidates if stix.report_id(pid) in wanted]


def _page(c: CollectionDef, kind: str, *, object_id: str | None = None, default="last"):
    """(rows, more, next) of (ProductVersion, Product) for this request's filters."""
    stmt = versions_select(current_user, c)
    if not _spec_ok():
        return [], False, None
    types = _types_wanted()
    if types is not None and "report" not in types:
        return [], False, None
    ids = [object_id] if object_id else _csv_arg("match[id]")
    if ids:
        pids = _product_ids_for(ids, stmt)
        if not pids:
            return [], False, None
        stmt = stmt.where(Product.id.in_(pids))
    for cond in (_added_after_condition(), _version_condition(default)):
        if cond is not None:
            stmt = stmt.where(cond)
    after = _next_after(c, kind)
    if after is not None:
        stmt = stmt.where(ProductVersion.id > after)
    limit = _limit()
    found = db.session.execute(stmt.order_by(ProductVersion.id).limit(limit + 1)).all()
    rows = [(v, p) for v, p in found if may_send(current_user, p, v)][: limit + 1]
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = _serializer().dumps({"a": rows[-1][0].id, "c": c.id, "k": kind}) if more else None
    return rows, more, nxt


def _date_added(version: ProductVersion) -> str:
    return stix.stix_time(version.published_at)


def _date_headers(rows) -> dict:
    if not rows:
        return {}
    dates = sorted(_date_added(v) for v, _p in rows)
    return {"X-TAXII-Date-Added-First": dates[0], "X-TAXII-Date-Added-Last": dates[-1]}


def _log_dissemination(rows, c: CollectionDef) -> None:
    """Each report sent: a row of the products' dissemination log (once per version)."""
    if not rows:
        return
    user = current_user._get_current_object()
    now = utcnow()
    values = [
        {
            "product_id": p.id,
            "version": v.number,
            "user_id": user.id,
            "disseminated_at": now,
            "rule": f"TAXII 2.1 collection {c.title!r} (API token #{user.token_id})"[:300],
        }
        for v, p in rows
    ]
    db.session.execute(
        upsert_insert(ProductRecipient)
        .values(values)
        .on_conflict_do_nothing(index_elements=["product_id", "version", "user_id"])
    )


def _envelope(rows, more: bool, nxt: str | None) -> dict:
    types = _types_wanted()
    objects: dict[str, dict] = {}
    reports = []
    for v, p in rows:
        report, refs = stix.report_for(stix.Release.of(p, v))
        reports.append(stix.as_json(report))
        for ref in refs:
            if (types is None or ref["type"] in types) and ref.id not in objects:
                objects[ref.id] = stix.as_json(ref)
    body: dict = {"more": more}
    if nxt:
        body["next"] = nxt
    if rows:
        body["objects"] = [*objects.values(), *reports]
    return body


def _objects_reply(action: str, c: CollectionDef, rows, more: bool, nxt: str | None):
    """An envelope of objects sent: logged as disseminated, audited, dated in the headers."""
    body = _envelope(rows, more, nxt)
    _log_dissemination(rows, c)
    _audit(action, _sent(rows, more), c.id)
    return _taxii_response(body, headers=_date_headers(rows))


def _require_object(rows) -> None:
    """No rows on the first page: the collection holds no such object (404)."""
    if not rows and not request.args.get("next"):
        raise TaxiiError(404, "Not Found", "No such object in this collection.")


@bp.get("/api/collections/<collection_id>/objects/")
@taxii_view
def objects(collection_id: str):
    c = _collection(collection_id)
    rows, more, nxt = _page(c, "objects")
    return _objects_reply("objects", c, rows, more, nxt)


@bp.get("/api/collections/<collection_id>/objects/<object_id>/")
@taxii_view
def object_(collection_id: str, object_id: str):
    c = _collection(collection_id)
    rows, more, nxt = _page(c, "object", object_id=object_id[:120])
    _require_object(rows)
    return _objects_reply("object", c, rows, more, nxt)


@bp.get("/api/collections/<collection_id>/objects/<object_id>/versions/")
@taxii_view
def versions(collection_id: str, object_id: str):
    c = _collection(collection_id)
    rows, more, nxt = _page(c, "versions", object_id=object_id[:120], default="all")
    _require_object(rows)
    body: dict = {"more": more, "versions": [_date_added(v) for v, _p in rows]}
    if nxt:
        body["next"] = nxt
    _audit("versions", {"results": len(rows)}, c.id)
    return _taxii_response(body, headers=_date_headers(rows))


@bp.get("/api/collections/<collection_id>/manifest/")
@taxii_view
def manifest(collection_id: str):
    c = _collection(collection_id)
    rows, more, nxt = _page(c, "manifest")
    body: dict = {"more": more}
    if nxt:
        body["next"] = nxt
    if rows:
        body["objects"] = [
            {
                "id": stix.report_id(p.id),
                "date_added": _date_added(v),
                "version": _date_added(v),
                "media_type": STIX_MEDIA,
            }
            for v, p in rows
        ]
    _audit("manifest", {"results": len(rows), "more": more}, c.id)
    return _taxii_response(body, headers=_date_headers(rows))


def _sent(rows, more: bool) -> dict:
    return {
        "results": len(rows),
        "more": more,
        "sent": [f"{p.reference} v{v.number}" for v, p in rows][:100],
        "filters": sorted(k for k in request.args if k not in ("limit", "next")),
    }


@bp.route(
    "/api/collections/<collection_id>/objects/",
    methods=["POST", "DELETE"],
    endpoint="objects_write",
)
@bp.route(
    "/api/collections/<collection_id>/objects/<object_id>/",
    methods=["POST", "DELETE"],
    endpoint="object_write",
)
@taxii_view
def refuse_write(collection_id: str, object_id: str | None = None):
    _collection(collection_id)
    raise TaxiiError(403, "Forbidden", "These collections are read only (can_write: false).")


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@taxii_view
def not_found(rest: str):
    raise TaxiiError(404, "Not Found", "There is no TAXII endpoint here.")
