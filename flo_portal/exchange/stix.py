"""Products as STIX 2.1, and STIX 2.1 reports as draft products: built and parsed with the
OASIS ``stix2`` library; every bundle the portal emits passes ``stix2-validator``.

One product version is one version of a STIX ``report``: the same id for every version
of a product (derived from the center and the product), ``created`` its first
publication, ``modified`` the publication of that version. The report is created by the
center's ``identity``, marked with the TLP 2.0 marking definition of its label and with
one ``statement`` marking per handling caveat.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import stix2
from flask import current_app, has_app_context
from stix2validator import ValidationOptions, validate_instance

from flo_portal.core.tlp import Tlp

# ---------------------------------------------------------------- TLP 2.0 markings
#
# stix2 3.0.2 ships only the TLP 1.0 marking definitions (stix2.v21.TLP_WHITE/GREEN/
# AMBER/RED). TLP 2.0 is defined for STIX 2.1 by the OASIS extension
# "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d" (oasis-open/
# cti-stix-common-objects, extension-definition-specifications/tlp-2.0: the JSON schema
# extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.json fixes each id and name,
# and examples/tlp-*.json the "created" time and the property extension). Consumers
# recognise the labels by these ids, so they are constants, never generated.
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_IDS = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# Partners still on TLP 1.0 (the markings STIX 2.1 predefines): WHITE is read as CLEAR.
TLP1_IDS = {
    stix2.v21.TLP_WHITE.id: Tlp.CLEAR,
    stix2.v21.TLP_GREEN.id: Tlp.GREEN,
    stix2.v21.TLP_AMBER.id: Tlp.AMBER,
    stix2.v21.TLP_RED.id: Tlp.RED,
}
TLP_BY_ID = {**{v: k for k, v in TLP2_IDS.items()}, **TLP1_IDS}
# Strictest first: an object carrying two labels is read under the stricter.
STRICTNESS = (Tlp.RED, Tlp.AMBER_STRICT, Tlp.AMBER, Tlp.GREEN, Tlp.CLEAR)


def tlp_marking(tlp: Tlp | str) -> stix2.v21.MarkingDefinition:
    tlp = Tlp(tlp)
    return stix2.v21.MarkingDefinition(
        id=TLP2_IDS[tlp],
        created=TLP2_CREATED,
        name=tlp.value,
        extensions={
            TLP2_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.value.split(":", 1)[1].lower(),
            }
        },
    )


# ---------------------------------------------------------------- ids and times

# Fixed "created" of the objects the portal derives (the center, caveat statements):
# the same input always gives the same object, so partners never see spurious versions.
FIXED_CREATED = "2026-01-01T00:00:00.000Z"
_NAMESPACE = uuid.UUID("6d3c3f0e-5a43-4c5e-9d8e-1f0b6a2c7e41")  # FLO Portal's own


def center_name() -> str:
    if has_app_context():
        return current_app.config.get("CENTER_NAME") or "FLO Portal fusion center"
    return "FLO Portal fusion center"


def _id(kind: str, key: str) -> str:
    """A stable id for ``key``: its name-based UUID's bits in the UUIDv4 form STIX 2.1
    asks of domain objects (the validator warns on v5), so every version of an object,
    and every run, names it the same."""
    return f"{kind}--{uuid.UUID(bytes=uuid.uuid5(_NAMESPACE, key).bytes, version=4)}"


def center_identity_id() -> str:
    return _id("identity", "center:" + center_name())


def report_id(product_id: int) -> str:
    return _id("report", f"{center_identity_id()}:product:{product_id}")


def stix_time(dt: datetime) -> str:
    """A STIX timestamp at millisecond precision (the precision of every version we name)."""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """A TAXII/STIX timestamp as an aware datetime; ValueError when it is not one."""
    if not isinstance(text, str) or not text.endswith("Z") or "T" not in text:
        raise ValueError("not a STIX timestamp")
    body = text[:-1]
    if "." in body:
        head, frac = body.split(".", 1)
        if not frac.isdigit() or len(frac) > 9:
            raise ValueError("not a STIX timestamp")
        body = f"{head}.{frac[:6].ljust(6, '0')}"
        fmt = "%Y-%m-%dT%H:%M:%S.%f"
    else:
        fmt = "%Y-%m-%dT%H:%M:%S"
    return datetime.strptime(body, fmt).replace(tzinfo=UTC)


def center_identity() -> stix2.v21.Identity:
    return stix2.v21.Identity(
        id=center_identity_id(),
        created=FIXED_CREATED,
        modified=FIXED_CREATED,
        name=center_name(),
        identity_class="organization",
        sectors=["government-public-services"],
    )


def caveat_markings(caveats: str) -> list[stix2.v21.MarkingDefinition]:
    """One statement marking per handling caveat (``caveats`` is ``;`` or ``,`` separated)."""
    parts = [p.strip() for p in (caveats or "").replace(";", ",").split(",")]
    return [
        stix2.v21.MarkingDefinition(
            id=_id("marking-definition", "statement:" + p),
            created=FIXED_CREATED,
            created_by_ref=center_identity_id(),
            definition_type="statement",
            definition=stix2.v21.StatementMarking(statement=p),
        )
        for p in dict.fromkeys(p for p in parts if p)
    ]


# ---------------------------------------------------------------- product -> report

REPORT_TYPES = {
    "indicators_warnings": ["indicator", "threat-report"],
    "officer_safety": ["threat-report"],
}


@dataclass
class Release:
    """What one released version of a product says (a ProductVersion and its product)."""

    product_id: int
    reference: str
    product_type: str
    first_published: datetime
    published: datetime
    title: str
    summary: str
    body_md: str
    tlp: str
    caveats: str
    topics: str
    number: int = 1

    @classmethod
    def of(cls, product, version) -> Release:
        return cls(
            product_id=product.id,
            reference=product.reference or "",
            product_type=str(product.product_type),
            first_published=product.published_at or version.published_at,
            published=version.published_at,
            title=version.title,
            summary=version.summary or "",
            body_md=version.body_md or "",
            tlp=str(version.tlp),
            caveats=version.caveats or "",
            topics=version.topics or "",
            number=version.number,
        )


def report_for(release: Release) -> tuple[stix2.v21.Report, list]:
    """(the report, the objects it refers to: identity and marking definitions)."""
    if Tlp(release.tlp) == Tlp.RED:
        raise ValueError("TLP:RED never leaves the portal as STIX")
    identity = center_identity()
    statements = caveat_markings(release.caveats)
    topics = [t.strip() for t in release.topics.split(",") if t.strip()]
    description = release.summary
    if release.body_md:
        description = f"{description}\n\n{release.body_md}" if description else release.body_md
    created = stix_time(min(release.first_published, release.published))
    report = stix2.v21.Report(
        id=report_id(release.product_id),
        created=created,
        modified=stix_time(release.published),
        created_by_ref=identity.id,
        name=release.title,
        description=description or release.title,
        published=stix_time(release.published),
        report_types=REPORT_TYPES.get(release.product_type, ["threat-report"]),
        labels=[release.product_type, *topics],
        object_refs=[identity.id],
        object_marking_refs=[TLP2_IDS[Tlp(release.tlp)], *(s.id for s in statements)],
        external_references=[
            {
                "source_name": "flo-portal",
                "external_id": release.reference,
                "description": f"{release.reference} version {release.number}",
            }
        ],
        lang="en",
    )
    return report, [identity, tlp_marking(release.tlp), *statements]


def bundle_for(releases: list[Release]) -> stix2.v21.Bundle:
    """One bundle: the reports and, once each, the objects they refer to."""
    objects: dict[str, object] = {}
    reports = []
    for release in releases:
        report, refs = report_for(release)
        reports.append(report)
        for ref in refs:
            objects.setdefault(ref.id, ref)
    return stix2.v21.Bundle(objects=[*objects.values(), *reports])


def as_json(obj) -> dict:
    return json.loads(obj.serialize())


def validation_errors(instance: dict) -> list[str]:
    """The OASIS validator's errors for a bundle (warnings are not errors)."""
    result = validate_instance(instance, ValidationOptions(version="2.1"))
    return [str(e) for e in result.errors]


# ---------------------------------------------------------------- report -> draft


class BadBundle(ValueError):
    """A partner's objects that do not parse or validate as STIX 2.1."""


@dataclass
class Incoming:
    """A partner report, ready to become a draft product."""

    stix_id: str
    version: str
    tlp: Tlp | None
    data: dict
    indicators: list[str] = field(default_factory=list)


def parse_objects(objects: list) -> list:
    """Parse every object with stix2 and check them with the validator, all or nothing:
    raises BadBundle naming the first problems; nothing of a bad bundle is used."""
    if not isinstance(objects, list):
        raise BadBundle("the envelope has no list of objects")
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
    try:
        errors = validation_errors(bundle)
    except Exception as exc:  # the validator refuses input it cannot even read
        raise BadBundle(f"not STIX 2.1: {exc}") from exc
    if errors:
        raise BadBundle("; ".join(errors[:5])[:1000])
    parsed = []
    for obj in objects:
        try:
            parsed.append(stix2.parse(obj, allow_custom=True, version="2.1"))
        except Exception as exc:  # stix2 raises many kinds (STIXError, ValueError, ...)
            ident = obj.get("id", "?") if isinstance(obj, dict) else "?"
            raise BadBundle(f"{ident}: {exc}"[:1000]) from exc
    return parsed


def _tlp_of(obj) -> Tlp | None:
    found = {TLP_BY_ID[m] for m in obj.get("object_marking_refs", []) if m in TLP_BY_ID}
    for tlp in STRICTNESS:
        if tlp in found:
            return tlp
    return None


def incoming_reports(parsed: list, partner: str) -> list[Incoming]:
    """The reports among ``parsed`` as draft-product data (other objects are context:
    markings give the caveats, indicators are listed in the body)."""
    by_id = {o["id"]: o for o in parsed if "id" in o}
    out = []
    for obj in parsed:
        if obj.get("type") != "report":
            continue
        statements = []
        for ref in obj.get("object_marking_refs", []):
            marking = by_id.get(ref)
            if marking is not None and marking.get("definition_type") == "statement":
                statements.append(marking["definition"]["statement"])
        indicators = []
        for ref in obj.get("object_refs", []):
            target = by_id.get(ref)
            if target is not None and target.get("type") == "indicator":
                indicators.append(f"{target.get('name') or target['id']}: `{target['pattern']}`")
        labels = [str(x) for x in obj.get("labels", [])]
        from flo_portal.products.models import ProductType

        types = [lb for lb in labels if lb in {t.value for t in ProductType}]
        topics = [lb for lb in labels if lb not in types]
        version = obj.get("modified") or obj.get("created")
        description = obj.get("description") or ""
        summary = description.split("\n\n", 1)[0][:2000]
        body = [
            description,
            "",
            f"*Received from partner {partner}* (STIX {obj['id']}, version {version}).",
        ]
        if indicators:
            body += ["", "Indicators:", *[f"- {i}" for i in indicators]]
        tlp = _tlp_of(obj)
        out.append(
            Incoming(
                stix_id=obj["id"],
                version=str(version),
                tlp=tlp,
                indicators=indicators,
                data={
                    "product_type": types[0] if types else ProductType.BULLETIN.value,
                    "title": f"[{partner[:40]}] {obj['name']}"[:200],
                    "summary": summary,
                    "body_md": "\n".join(body),
                    "tlp": (tlp or Tlp.AMBER).value,
                    "caveats": "; ".join(statements)[:500],
                    "topics": ", ".join(topics)[:500],
                    "audience": {},
                    "privacy_review_requested": False,
                    "criminal_intelligence": False,
                },
            )
        )
    return out
