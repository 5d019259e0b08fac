"""Browser journey: an FLO of the audience downloads a product's PDF from its detail page
in Chromium, and every page of it carries the TLP label (read from the PDF's text); the
product prints without navigation or forms and with its marking on every printed page."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from flo_portal.products.models import ProductDownload
from flo_portal.security.permissions import Role
from tests.browser.fixtures import ARTIFACTS
from tests.factories import AgencyFactory
from tests.products.helpers import draft, publish, staff

pytestmark = pytest.mark.browser

BODY = "\n\n".join(
    f"## Indicator {n}\n\n" + "Cut fencing and cable drums left near the signal box. " * 14
    for n in range(1, 9)
)


def _pdf_texts(data: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]


def _render_first_page(data: bytes, name: str):
    """A PNG of the PDF's first page in test-artifacts/screenshots/ (pypdfium2)."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(data)
    try:
        document[0].render(scale=1.5).to_pil().save(path)
    finally:
        document.close()
    return path


def test_flo_downloads_the_pdf_and_every_page_is_marked(
    page, live_server, make_user, sign_in, axe_check, shot, db
):
    people = staff(make_user)
    agency = AgencyFactory(name="Harbor County Sheriff")
    flo = make_user(Role.LIAISON_OFFICER, agency=agency, name="Deputy Dana Reader")
    product = publish(
        draft(
            people["author"],
            title="Copper theft indicators on the rail corridor",
            tlp="TLP:AMBER",
            caveats="LAW ENFORCEMENT SENSITIVE",
            body_md=BODY,
            audience={"agency_ids": [agency.id]},
        ),
        people["coordinator"],
    )

    sign_in(page, flo)
    page.goto(f"{live_server}/products/{product.id}")
    assert axe_check(page) == []
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    download = info.value
    data = download.path().read_bytes()
    row = db.session.scalars(sa.select(ProductDownload)).one()
    assert download.suggested_filename == f"{product.reference}-v1-{row.download_id}.pdf"
    texts = _pdf_texts(data)
    assert len(texts) >= 2
    for text in texts:
        assert text.count("TLP:AMBER") >= 2 and "LAW ENFORCEMENT SENSITIVE" in text
        assert (
            f"Prepared for Deputy Dana Reader (Harbor County Sheriff) · Download {row.download_id}"
            in text
        )
    assert _render_first_page(data, "product-pdf-page-1").stat().st_size > 10_000

    # Printing: no navigation, forms or buttons; the marking in every page's margins.
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_role("link", name="Download PDF")).to_be_hidden()
    expect(page.locator("[data-tlp-banner=top]")).to_be_visible()
    shot(page, "product-print-view")
    printout = page.pdf(format="Letter", print_background=True)
    _render_first_page(printout, "product-printed-page-1")
    printed = _pdf_texts(printout)
    assert len(printed) >= 2
    for text in printed:
        assert text.count("TLP:AMBER — LAW ENFORCEMENT SENSITIVE") >= 2
        assert "Printed for Deputy Dana Reader" in text
        assert "Sign out" not in text and "Share with a colleague" not in text
