"""Products as a center sends them: the PDF copy (marking on every page, traced to its
recipient, logged and audited, the detail page's access rule, RED for named people, the
one-page officer-safety layout) and the print stylesheet."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from flo_portal.audit.models import AuditEvent
from flo_portal.core.extensions import db
from flo_portal.core.tlp import TLP_COLOUR, Tlp
from flo_portal.products import services
from flo_portal.products.models import ProductDownload, ProductRecipient
from flo_portal.products.pdf import center_logo_data_url, css_string
from flo_portal.security.permissions import Role
from tests.factories import AgencyFactory
from tests.products.helpers import draft, publish, staff

LONG_BODY = "\n\n".join(
    f"## Section {n}\n\n" + "Thieves cut signal cables at night and sell the copper. " * 12
    for n in range(1, 13)
)
TYPICAL_ALERT = """## What happened

On Tuesday night a patrol officer stopped a grey pickup on Route 9. The driver
produced a handgun from the door pocket; the officer withdrew and nobody was hurt.

## The subject

* Male, about 35, 6 ft, heavy build, shaved head, tattoo of a wolf on the left forearm
* Known to carry a handgun in the vehicle door and a knife in the right boot
* Has said he will not go back to prison

## Vehicle

Grey pickup, partial plate 7KX, dent on the tailgate, toolbox in the bed.

## What to do

Do not approach alone. Call for backup, keep distance, and report any sighting to
the watch desk at once with the location and direction of travel.
"""


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def fill_colours(data: bytes) -> list[set[tuple[float, ...]]]:
    """The RGB fill colours each page paints with (its content stream's ``rg`` operators)."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        stream = page.get_contents().get_data().decode("latin-1")
        found = re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg", stream)
        pages.append({tuple(round(float(c), 3) for c in rgb) for rgb in found})
    return pages


def rgb(hex_colour: str) -> tuple[float, ...]:
    return tuple(round(int(hex_colour[i : i + 2], 16) / 255, 3) for i in (1, 3, 5))


@pytest.fixture
def people(make_user):
    p = staff(make_user)
    p["agency"] = AgencyFactory(name="Capital PD")
    p["flo"] = make_user(Role.LIAISON_OFFICER, agency=p["agency"], name="Robin Reader")
    p["outsider"] = make_user(Role.LIAISON_OFFICER, name="Olive Outsider")
    return p


def _published(people, **kw):
    kw.setdefault("audience", {"agency_ids": [people["agency"].id]})
    return publish(draft(people["author"], **kw), people["coordinator"])


def test_every_page_carries_the_marking_and_names_the_recipient(people, client, login_as):
    product = _published(
        people, tlp=Tlp.AMBER.value, caveats="LAW ENFORCEMENT SENSITIVE", body_md=LONG_BODY
    )
    login_as(people["flo"])
    r = client.get(f"/products/{product.id}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    download = db.session.scalar(sa.select(ProductDownload))
    assert (download.product_id, download.version, download.user_id) == (
        product.id,
        1,
        people["flo"].id,
    )
    assert re.fullmatch(r"DL-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", download.download_id)
    assert r.headers["Content-Disposition"] == (
        f'attachment; filename="{product.reference}-v1-{download.download_id}.pdf"'
    )
    assert r.headers["Cache-Control"] == "no-store"  # a copy made for one person
    pages = pdf_pages(r.data)
    assert len(pages) >= 2  # a long product: the marking must repeat, not only open and close
    for number, text in enumerate(pages, start=1):
        # top and bottom: the label appears (at least) twice on every page
        assert text.count("TLP:AMBER") >= 2, number
        assert text.count("LAW ENFORCEMENT SENSITIVE") >= 2, number
        assert "Prepared for Robin Reader (Capital PD)" in text, number
        assert f"Download {download.download_id}" in text, number
        assert f"Page {number} of {len(pages)}" in " ".join(text.split()), number
        assert "FLO Portal fusion center" in text and f"{product.reference} · v1" in text
    # The label is drawn in its TLP 2.0 colour on black on every page.
    assert all({rgb("#FFC000"), rgb("#000000")} <= used for used in fill_colours(r.data))
    assert "Copper theft from rail signal boxes" in pages[0]
    assert "Section 12" in pages[-1]
    assert PdfReader(io.BytesIO(r.data)).metadata.title.startswith(product.reference)


def test_each_download_is_logged_audited_and_counts_as_opened(people, client, login_as):
    product = _published(people)
    login_as(people["flo"])
    client.get(f"/products/{product.id}/pdf")
    client.get(f"/products/{product.id}/pdf")
    rows = db.session.scalars(sa.select(ProductDownload).order_by(ProductDownload.id)).all()
    assert len(rows) == 2 and rows[0].download_id != rows[1].download_id
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "product.pdf_downloaded")
        .order_by(AuditEvent.id)
    ).all()
    assert [e.details["download_id"] for e in events] == [r.download_id for r in rows]
    assert {(e.actor_id, e.object_id, e.details["version"]) for e in events} == {
        (people["flo"].id, str(product.id), 1)
    }
    receipt = db.session.scalar(
        sa.select(ProductRecipient).where(ProductRecipient.user_id == people["flo"].id)
    )
    assert receipt.opened_at is not None

    # The coordinator reads the copies in the dissemination log; the FLO may not.
    login_as(people["coordinator"])
    log = client.get(f"/products/{product.id}/log")
    assert "PDF copies: 2" in log.get_data(as_text=True)
    page = client.get(f"/products/{product.id}/log/downloads").get_data(as_text=True)
    assert rows[0].download_id in page and rows[1].download_id in page
    assert "Robin Reader" in page and "Capital PD" in page
    login_as(people["flo"])
    assert client.get(f"/products/{product.id}/log/downloads").status_code == 403


def test_someone_who_may_not_see_the_product_gets_404_and_no_copy(people, client, login_as):
    product = _published(people)
    login_as(people["outsider"])
    assert client.get(f"/products/{product.id}/pdf").status_code == 404
    assert client.get(f"/products/{product.id}/print.css").status_code == 404
    assert client.get("/products/999999/pdf").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(ProductDownload.id))) == 0
    assert not db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.action == "product.pdf_downloaded")
    )


def test_red_goes_only_to_those_the_detail_page_lets_in(people, client, login_as, make_user):
    colleague = make_user(Role.LIAISON_OFFICER, agency=people["agency"], name="Casey Colleague")
    other_analyst = make_user(Role.ANALYST)
    # The agency in the audience does not reach a RED product; the named person does.
    product = _published(
        people,
        tlp=Tlp.RED.value,
        audience={"agency_ids": [people["agency"].id], "user_ids": [people["flo"].id]},
    )
    expected = {
        people["flo"]: 200,
        colleague: 404,
        people["outsider"]: 404,
        other_analyst: 404,
        people["author"]: 200,
        people["coordinator"]: 200,
    }
    for user, status in expected.items():
        login_as(user)
        assert client.get(f"/products/{product.id}").status_code == status, user.name
        assert client.get(f"/products/{product.id}/pdf").status_code == status, user.name
    copies = db.session.scalars(sa.select(ProductDownload.user_id)).all()
    assert sorted(copies) == sorted(
        [people["flo"].id, people["author"].id, people["coordinator"].id]
    )
    login_as(people["flo"])
    data = client.get(f"/products/{product.id}/pdf").data
    pages = pdf_pages(data)
    assert all(text.count("TLP:RED") >= 2 for text in pages)
    assert all(rgb("#FF2B2B") in used for used in fill_colours(data))
    assert "named recipients only" in pages[-1]


def test_only_released_products_are_sent_as_pdf(people, client, login_as):
    product = draft(people["author"])
    login_as(people["author"])
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "Download PDF" not in page
    r = client.get(f"/products/{product.id}/pdf")
    assert r.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(ProductDownload.id))) == 0


def test_a_typical_officer_safety_alert_is_one_page(people, client, login_as):
    product = _published(
        people,
        product_type="officer_safety",
        title="Armed subject in a grey pickup",
        summary="Subject drew a handgun at a traffic stop on Route 9; treat as armed.",
        tlp=Tlp.AMBER.value,
        caveats="LAW ENFORCEMENT SENSITIVE",
        body_md=TYPICAL_ALERT,
    )
    login_as(people["flo"])
    pages = pdf_pages(client.get(f"/products/{product.id}/pdf").data)
    assert len(pages) == 1
    text = pages[0]
    assert "Officer safety alert" in text and "Armed subject in a grey pickup" in text
    assert "report any sighting" in " ".join(text.split())
    assert text.count("TLP:AMBER") >= 2 and "Prepared for Robin Reader" in text
    assert "Page 1 of 1" in " ".join(text.split())


def test_detail_page_offers_pdf_and_print(people, client, login_as):
    product = _published(people)
    login_as(people["flo"])
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert f'href="/products/{product.id}/pdf"' in page and "Download PDF" in page
    assert "data-print" in page and "Print" in page
    assert f'media="print" href="/products/{product.id}/print.css"' in page


def test_print_stylesheet_marks_every_page_in_the_tlp_colours(people, client, login_as):
    product = _published(people, tlp=Tlp.AMBER.value, caveats='LES"; } body { display: none')
    login_as(people["flo"])
    r = client.get(f"/products/{product.id}/print.css")
    css = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/css"
    assert "@top-center" in css and "@bottom-center" in css
    assert "color: #FFC000" in css and "background: #000000" in css
    assert css_string(f"TLP:AMBER — {product.caveats}") in css
    assert "display: none" not in css  # product text cannot end the string
    assert css_string("Printed for Robin Reader") in css


def test_an_earlier_version_prints_under_its_own_marking(people, client, login_as):
    product = _published(people, tlp=Tlp.GREEN.value)
    services.update_product(
        product, {"tlp": Tlp.AMBER.value, "caveats": "LES"}, people["coordinator"], "Re-marked"
    )
    db.session.commit()
    login_as(people["flo"])
    page = client.get(f"/products/{product.id}/versions/1").get_data(as_text=True)
    assert f'media="print" href="/products/{product.id}/versions/1/print.css"' in page
    earlier = client.get(f"/products/{product.id}/versions/1/print.css").get_data(as_text=True)
    current = client.get(f"/products/{product.id}/print.css").get_data(as_text=True)
    assert "color: #33FF00" in earlier and css_string("TLP:GREEN") in earlier
    assert css_string(f"{product.reference} · version 1") in earlier
    assert "color: #FFC000" in current and css_string("TLP:AMBER — LES") in current
    login_as(people["outsider"])
    assert client.get(f"/products/{product.id}/versions/1/print.css").status_code == 404


def test_tlp_colours_are_those_of_tlp_2():
    assert {t: t.colour for t in Tlp} == TLP_COLOUR
    assert (Tlp.RED.colour, Tlp.AMBER.colour, Tlp.GREEN.colour, Tlp.CLEAR.colour) == (
        "#FF2B2B",
        "#FFC000",
        "#33FF00",
        "#FFFFFF",
    )
    assert Tlp.AMBER_STRICT.colour == Tlp.AMBER.colour


def test_center_logo_comes_from_configuration(app, tmp_path):
    with app.test_request_context():
        assert center_logo_data_url().startswith("data:image/svg+xml;base64,")
        logo = tmp_path / "logo.png"
        logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
        app.config["CENTER_LOGO"], before = str(logo), app.config["CENTER_LOGO"]
        try:
            assert center_logo_data_url().startswith("data:image/png;base64,iVBORw0KGgo")
            app.config["CENTER_LOGO"] = str(tmp_path / "missing.svg")
            assert center_logo_data_url() is None
        finally:
            app.config["CENTER_LOGO"] = before
