"""Polling partners' TAXII 2.1 collections: a small client of the portal's own on
``requests`` (Get Objects with ``added_after``, ``limit`` and ``next``).

The scheduled job asks each active partner collection for what was added after the last
poll (``added_after``), all pages of it, then takes it in all or nothing: every object
must parse with ``stix2`` and pass the validator, or the poll fails, is logged, is
recorded on the partner collection and fails the job run, and nothing of it is imported.
Each new report (a STIX id and version not seen before) of a TLP the center accepts from
that partner becomes a *draft* product by the collection's reviewer, attributed to the
partner in its title and body; it is never published without review.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime

import requests
import sqlalchemy as sa

from flo_portal.audit.services import record
from flo_portal.core.actors import system_actor
from flo_portal.core.extensions import db
from flo_portal.core.tlp import Tlp
from flo_portal.core.unit_of_work import transaction
from flo_portal.exchange import stix
from flo_portal.exchange.models import ImportedObject, PartnerCollection
from flo_portal.products.services import create_product

log = logging.getLogger("flo_portal.exchange")

PAGE = 100
MAX_OBJECTS = 10_000  # one poll; a partner that sends more fails the poll (reported)
MAX_PAGES = 500  # a server that says "more" for ever
TIMEOUT_SECONDS = 30


class PollFailed(RuntimeError):
    """One or more partner polls failed; the job run is recorded as failed."""


class PartnerProblem(RuntimeError):
    """A partner could not be polled (credentials, network, a TAXII error)."""


TAXII_MEDIA = "application/taxii+json;version=2.1"


def _auth(partner: PartnerCollection) -> dict:
    """Request options for signing in: ``user:password`` (HTTP Basic) or
    ``Bearer <token>`` from the environment variable the partner collection names; the
    secret never touches the database."""
    if not partner.credentials_env:
        return {}
    value = os.environ.get(partner.credentials_env)
    if not value:
        raise PartnerProblem(f"environment variable {partner.credentials_env} is not set")
    if value.lower().startswith("bearer "):
        return {"headers": {"Authorization": f"Bearer {value[7:].strip()}"}}
    user, sep, password = value.partition(":")
    if not sep:
        raise PartnerProblem(
            f"{partner.credentials_env} must hold user:password or 'Bearer <token>'"
        )
    return {"auth": (user, password)}


def _get_page(session: requests.Session, url: str, params: dict, auth: dict) -> tuple[dict, str]:
    headers = {"Accept": TAXII_MEDIA, **auth.get("headers", {})}
    try:
        response = session.get(
            url, params=params, headers=headers, auth=auth.get("auth"), timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as exc:
        raise PartnerProblem(f"cannot reach {url}: {exc}") from exc
    if response.status_code != 200:
        raise PartnerProblem(f"{url} answered {response.status_code}: {response.text[:300]}")
    media = response.headers.get("Content-Type", "").replace(" ", "").lower()
    if not media.startswith("application/taxii+json"):
        raise PartnerProblem(f"{url} answered {media or 'no media type'}, not TAXII")
    try:
        envelope = response.json()
    except ValueError as exc:
        raise stix.BadBundle(f"{url} sent something that is not JSON") from exc
    if not isinstance(envelope, dict):
        raise stix.BadBundle(f"{url} sent a JSON {type(envelope).__name__}, not an envelope")
    return envelope, response.headers.get("X-TAXII-Date-Added-Last", "")


def _fetch(partner: PartnerCollection) -> tuple[list, str]:
    """(every object added after the partner's cursor, all pages, and the new cursor:
    the X-TAXII-Date-Added-Last of the last page, TAXII 2.1 section 3.4.2)."""
    auth = _auth(partner)
    url = partner.url.rstrip("/") + "/objects/"
    params: dict = {"limit": PAGE}
    if partner.added_after:
        params["added_after"] = partner.added_after
    cursor = partner.added_after
    objects: list = []
    with requests.Session() as session:
        for _page in range(MAX_PAGES):
            envelope, last = _get_page(session, url, params, auth)
            got = envelope.get("objects", [])
            if not isinstance(got, list):
                raise stix.BadBundle("the envelope's objects is not a list")
            objects.extend(got)
            if len(objects) > MAX_OBJECTS:
                raise PartnerProblem(f"more than {MAX_OBJECTS} objects in one poll")
            if last and (not cursor or _later(last, cursor)):
                cursor = last
            nxt = envelope.get("next")
            if not envelope.get("more") or not isinstance(nxt, str) or not nxt:
                break
            params = {**params, "next": nxt}
        else:
            raise PartnerProblem(f"more than {MAX_PAGES} pages in one poll")
    return objects, cursor or ""


def _later(a: str, b: str) -> bool:
    try:
        return stix.parse_time(a) > stix.parse_time(b)
    except ValueError:
        return False


def poll_collection(partner: PartnerCollection, actor, now: datetime) -> dict[str, int]:
    """Poll one partner collection; flushes (the caller commits). Raises BadBundle or
    PartnerProblem (or a client error) before importing anything."""
    objects, cursor = _fetch(partner)
    parsed = stix.parse_objects(objects) if objects else []
    counts = {"imported": 0, "duplicates": 0, "refused_tlp": 0}
    seen: set[tuple[str, str]] = set()
    for item in stix.incoming_reports(parsed, partner.partner_name):
        key = (item.stix_id, item.version)
        exists = db.session.scalar(
            sa.select(ImportedObject.id).where(
                ImportedObject.stix_id == item.stix_id,
                ImportedObject.stix_version == item.version,
            )
        )
        if key in seen or exists is not None:
            counts["duplicates"] += 1
            continue
        seen.add(key)
        if item.tlp is None or item.tlp.value not in partner.accepted:
            counts["refused_tlp"] += 1
            db.session.add(
                ImportedObject(
                    collection_id=partner.id,
                    stix_id=item.stix_id,
                    stix_version=item.version,
                    outcome="refused_tlp",
                )
            )
            continue
        product = create_product(partner.reviewer, item.data)
        db.session.add(
            ImportedObject(
                collection_id=partner.id,
                stix_id=item.stix_id,
                stix_version=item.version,
                product_id=product.id,
            )
        )
        record(
            "exchange.imported",
            product,
            summary=f"{product.reference}: draft from partner {partner.partner_name}"[:500],
            details={
                "partner_collection": partner.id,
                "stix_id": item.stix_id,
                "stix_version": item.version,
                "tlp": Tlp(item.data["tlp"]).value,
            },
            actor=actor,
        )
        counts["imported"] += 1
    partner.added_after = cursor
    partner.last_polled_at = now
    partner.last_error = ""
    db.session.flush()
    return counts


def poll_partners(now: datetime) -> dict[str, int]:
    """The scheduled job: poll every active partner collection, each in its own
    transaction; raises PollFailed (after keeping what the others brought) when any
    partner's poll failed."""
    actor = system_actor("job:taxii_poll")
    ids = db.session.scalars(
        sa.select(PartnerCollection.id)
        .where(PartnerCollection.active.is_(True))
        .order_by(PartnerCollection.id)
    ).all()
    totals = {"partners": 0, "imported": 0, "duplicates": 0, "refused_tlp": 0, "failed": 0}
    failures = []
    for pid in ids:
        try:
            with transaction():
                partner = db.session.get(PartnerCollection, pid)
                counts = poll_collection(partner, actor, now)
        except Exception as exc:
            name = db.session.get(PartnerCollection, pid).partner_name
            log.error("TAXII poll of partner collection %s (%s) failed: %s", pid, name, exc)
            with transaction():
                partner = db.session.get(PartnerCollection, pid)
                partner.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                partner.last_polled_at = now
                record(
                    "exchange.poll_failed",
                    partner,
                    summary=f"TAXII poll of {partner.partner_name} failed; nothing imported",
                    details={"error": partner.last_error[:500]},
                    actor=actor,
                )
            failures.append(f"{name}: {exc}"[:500])
            totals["failed"] += 1
            continue
        totals["partners"] += 1
        for k, v in counts.items():
            totals[k] += v
    if failures:
        raise PollFailed("; ".join(failures))
    return totals
