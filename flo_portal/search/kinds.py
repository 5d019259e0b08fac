"""What is searched: for each kind, its object table, the text of its page that is
indexed (as SQL over the object's table, so the flush hook and the rebuild are one
statement) and the feature's own visibility rule, applied in SQL to every query.

Only text every viewer who may open the object sees on its page is indexed: titles and
the main body, never notes, reasons or reviewer fields. A new kind also needs its partial
GIN index on PostgreSQL (``ix_search_document_tsv_<kind>``, see migration 0024b).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from flo_portal.agencies.models import Agency
from flo_portal.agencies.policies import visible_agencies_condition
from flo_portal.briefings.models import Briefing
from flo_portal.briefings.policies import visible_briefings_condition
from flo_portal.products.models import Product
from flo_portal.products.policies import visible_products_condition
from flo_portal.rfis.models import Rfi
from flo_portal.rfis.policies import visible_rfis_condition
from flo_portal.roster.models import Officer
from flo_portal.roster.policies import visible_officers_condition
from flo_portal.sar.models import SuspiciousActivityReport as Sar
from flo_portal.sar.policies import visible_sars_condition
from flo_portal.security.access import can
from flo_portal.security.permissions import Permission
from flo_portal.training.models import TrainingCourse


def _text(*parts) -> Any:
    """SQL: the parts joined by spaces (NULL parts as empty)."""
    out: Any = sa.func.coalesce(parts[0], "")
    for part in parts[1:]:
        out = out + " " + sa.func.coalesce(part, "")
    return out


def _when(permission: Permission, condition: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The feature's condition, and the permission its detail page requires."""

    def visible(user):
        if not getattr(user, "is_authenticated", False) or not can(permission, user):
            return sa.false()
        return condition(user)

    return visible


def _courses_condition(user):
    # The course catalogue is one list every training reader sees whole.
    return sa.true()


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # plural, for the page
    model: Any
    endpoint: str
    id_arg: str
    title: Callable[[Any], Any]  # model -> SQL expression
    body: Callable[[Any], Any]
    visible: Callable[[Any], Any]  # user -> SQL condition on model
    # PostgreSQL: read the ids of a few matches before applying ``visible`` (see
    # ``search.queries.FEW_MATCHES``), for a rule whose reach the planner misjudges.
    ids_first: bool = False

    def url_args(self, object_id: int) -> dict:
        # Courses have no page of their own: the catalogue lists them.
        return {self.id_arg: object_id} if self.id_arg else {}


KINDS: tuple[Kind, ...] = (
    Kind(
        "officer",
        "Officers",
        Officer,
        "roster.profile",
        "officer_id",
        lambda m: _text(m.first_name, m.last_name),
        lambda m: _text(m.rank_title),
        visible_officers_condition,
    ),
    Kind(
        "agency",
        "Agencies",
        Agency,
        "agencies.detail",
        "agency_id",
        lambda m: _text(m.name),
        lambda m: _text(m.region, m.jurisdiction),
        _when(Permission.AGENCY_READ, visible_agencies_condition),
    ),
    Kind(
        "rfi",
        "RFIs",
        Rfi,
        "rfis.detail",
        "rfi_id",
        lambda m: _text(m.reference, m.title),
        lambda m: _text(m.question),
        _when(Permission.RFI_READ, visible_rfis_condition),
    ),
    Kind(
        "product",
        "Products",
        Product,
        "products.detail",
        "product_id",
        lambda m: _text(m.reference, m.title),
        lambda m: _text(m.summary),
        _when(Permission.PRODUCT_READ, visible_products_condition),
        # a partner's audience rule: estimated to let through 75% of products, ~9% at the
        # load benchmark's size
        ids_first=True,
    ),
    Kind(
        "briefing",
        "Briefings",
        Briefing,
        "briefings.detail",
        "briefing_id",
        lambda m: _text(m.title),
        lambda m: _text(m.topic, m.presenter, m.description),
        _when(Permission.BRIEFING_READ, visible_briefings_condition),
    ),
    Kind(
        "sar",
        "Suspicious activity reports",
        Sar,
        "sar.detail",
        "sar_id",
        lambda m: _text(m.location),
        lambda m: _text(m.observed),
        visible_sars_condition,
    ),
    Kind(
        "course",
        "Training courses",
        TrainingCourse,
        "training.courses",
        "",
        lambda m: _text(m.code, m.title),
        lambda m: _text(m.provider),
        _when(Permission.TRAINING_READ, _courses_condition),
    ),
)
BY_NAME = {k.name: k for k in KINDS}
BY_MODEL = {k.model: k for k in KINDS}
