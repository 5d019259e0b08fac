"""Products as STIX 2.1: reports with TLP 2.0 markings, caveats as statements, the center
as creator; every bundle passes the OASIS validator; reports come back as draft data."""

from __future__ import annotations

import json

import pytest
import stix2
from stix2validator import ValidationOptions, validate_string

from flo_portal.exchange import stix
from flo_portal.products.models import ProductType
from flo_portal.products.models import Tlp as ProductTlp
from tests.products import helpers as products


def _release(product):
    return stix.Release.of(product, product.versions[-1])


@pytest.mark.parametrize("product_type", [t.value for t in ProductType])
@pytest.mark.parametrize("tlp", ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT"])
def test_every_product_type_and_marking_validates(make_user, clock, product_type, tlp):
    staff = products.staff(make_user)
    product = products.publish(
        products.draft(
            staff["author"], product_type=product_type, tlp=tlp, caveats="LES; Not for media"
        ),
        staff["coordinator"],
        staff["privacy"],
    )
    bundle = stix.bundle_for([_release(product)])
    result = validate_string(bundle.serialize(), ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    assert result.errors == []
    assert [str(w) for w in result.warnings] == []  # not even a warning
    body = json.loads(bundle.serialize())
    report = next(o for o in body["objects"] if o["type"] == "report")
    assert report["object_marking_refs"][0] == stix.TLP2_IDS[ProductTlp(tlp)]
    assert report["created_by_ref"] == stix.center_identity_id()
    statements = [
        o["definition"]["statement"]
        for o in body["objects"]
        if o["type"] == "marking-definition" and o.get("definition_type") == "statement"
    ]
    assert statements == ["LES", "Not for media"]
    marking = next(o for o in body["objects"] if o["id"] == stix.TLP2_IDS[ProductTlp(tlp)])
    assert marking["name"] == tlp
    assert marking["extensions"][stix.TLP2_EXTENSION_ID]["extension_type"] == "property-extension"


def test_tlp2_ids_are_the_extension_s_fixed_ids():
    # oasis-open/cti-stix-common-objects, extension-definition-specifications/tlp-2.0
    assert stix.TLP2_IDS[ProductTlp.CLEAR] == (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
    )
    assert stix.TLP2_IDS[ProductTlp.RED] == (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    )
    assert stix.tlp_marking("TLP:AMBER+STRICT").extensions[stix.TLP2_EXTENSION_ID]["tlp_2_0"] == (
        "amber+strict"
    )


def test_red_is_never_made_into_stix(make_user, clock):
    staff = products.staff(make_user)
    red = products.publish(
        products.draft(staff["author"], tlp="TLP:RED", audience={"user_ids": [staff["author"].id]}),
        staff["coordinator"],
    )
    with pytest.raises(ValueError, match="TLP:RED"):
        stix.report_for(_release(red))


def test_versions_share_the_report_id_and_differ_in_modified(make_user, clock):
    from datetime import timedelta

    from flo_portal.core.extensions import db
    from flo_portal.products import services

    staff = products.staff(make_user)
    product = products.publish(products.draft(staff["author"]), staff["coordinator"])
    clock.shift(timedelta(hours=1))
    services.update_product(product, {"title": "Revised title"}, staff["coordinator"], "fix")
    db.session.commit()
    first, second = (stix.report_for(stix.Release.of(product, v))[0] for v in product.versions)
    assert first.id == second.id == stix.report_id(product.id)
    assert first.created == second.created and second.modified > first.modified
    assert second.name == "Revised title"


def test_a_report_comes_back_as_draft_data(make_user, clock):
    staff = products.staff(make_user)
    product = products.publish(
        products.draft(staff["author"], tlp="TLP:AMBER", caveats="LES", topics="rail, theft"),
        staff["coordinator"],
    )
    body = json.loads(stix.bundle_for([_release(product)]).serialize())
    parsed = stix.parse_objects(body["objects"])
    [item] = stix.incoming_reports(parsed, "Neighbour Center")
    assert item.tlp == ProductTlp.AMBER
    assert item.stix_id == stix.report_id(product.id)
    assert item.data["title"] == f"[Neighbour Center] {product.title}"
    assert item.data["caveats"] == "LES"
    assert item.data["topics"] == "rail, theft"
    assert item.data["product_type"] == "bulletin"
    assert "Received from partner Neighbour Center" in item.data["body_md"]


def test_a_bad_object_makes_the_whole_bundle_bad():
    good = json.loads(stix2.v21.Identity(name="ok", identity_class="organization").serialize())
    bad = {"type": "report", "spec_version": "2.1", "id": "report--not-a-uuid", "name": 3}
    with pytest.raises(stix.BadBundle):
        stix.parse_objects([good, bad])
    with pytest.raises(stix.BadBundle):
        stix.parse_objects("not a list")
