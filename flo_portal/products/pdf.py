"""Products as a center sends them: the PDF copy (WeasyPrint) and the print stylesheet.

Every page of a PDF carries the TLP label in its TLP 2.0 colours with the handling
caveats, at the top and at the bottom (CSS page margin boxes), and its footer names the
person the copy was made for and the copy's download id, so a leaked copy can be traced
to one row of ``product_download`` (part of the dissemination log). Officer-safety
alerts have a one-page layout of their own (``templates/products/pdf/alert.html``).

The PDF is drawn from the portal's own templates and the product's sanitised Markdown;
WeasyPrint may fetch nothing but ``data:`` URLs (the center's logo is inlined), so a
product cannot make the server fetch anything. WeasyPrint needs Pango (``make pango``);
it is imported only when a PDF is made, so the rest of the portal runs without it.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import joinedload

from flo_portal.audit.services import record as audit
from flo_portal.core.extensions import db
from flo_portal.core.orm import utcnow
from flo_portal.core.tlp import TLP_BACKGROUND, Tlp
from flo_portal.products.dissemination import banner_text
from flo_portal.products.errors import ProductConflict
from flo_portal.products.models import Product, ProductDownload, ProductStatus
from flo_portal.products.recipients import current_receipt
from flo_portal.products.rendering import render_markdown
from flo_portal.users.models import User

# What a center sends: released versions. Drafts, reviews, withdrawn and purged products
# are read in the portal only.
DOWNLOADABLE = (ProductStatus.PUBLISHED, ProductStatus.ARCHIVED)
LOGO_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def may_download(product: Product) -> bool:
    """Whether ``product`` is in a state that goes out as a PDF (the viewer is checked
    by the loader, ``get_visible_product_or_404``: the detail page's rule)."""
    return ProductStatus(product.status) in DOWNLOADABLE and product.purged_at is None


def new_download_id() -> str:
    """``DL-7F3A-09C2-11BE``: random, so one copy's id tells nothing of another's."""
    raw = secrets.token_hex(6).upper()
    return "DL-" + "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def record_download(product: Product, user: User) -> ProductDownload:
    """Log a PDF copy of ``product``'s current version for ``user`` (dissemination log
    and audit trail) and count it as opened on the user's read receipt."""
    if not may_download(product):
        raise ProductConflict("Only a published or archived product can be downloaded as a PDF.")
    download = ProductDownload(
        download_id=new_download_id(),
        product_id=product.id,
        version=product.version,
        user_id=user.id,
        downloaded_at=utcnow(),
    )
    db.session.add(download)
    receipt = current_receipt(product, user)
    if receipt is not None and receipt.opened_at is None:
        receipt.opened_at = download.downloaded_at
    audit(
        "product.pdf_downloaded",
        product,
        summary=f"{product.reference} v{product.version}: {download.download_id}",
        details={
            "version": product.version,
            "download_id": download.download_id,
            "tlp": str(product.tlp),
        },
        actor=user,
    )
    db.session.flush()
    return download


def downloads_query(product: Product):
    """SELECT of ``product``'s PDF copies, newest first, with each recipient (and agency)."""
    return (
        sa.select(ProductDownload)
        .where(ProductDownload.product_id == product.id)
        .options(joinedload(ProductDownload.user))  # User.agency is joined too
        .order_by(ProductDownload.downloaded_at.desc(), ProductDownload.id.desc())
    )


def download_count(product: Product) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(ProductDownload.id)).where(ProductDownload.product_id == product.id)
    )


def center_logo_data_url() -> str | None:
    """The configured logo (``CENTER_LOGO``: a path under static/ or an absolute path) as
    a ``data:`` URL, or None when the file is missing or not an image type we accept."""
    configured = current_app.config.get("CENTER_LOGO") or ""
    if not configured:
        return None
    path = Path(configured)
    if not path.is_absolute():
        path = Path(current_app.static_folder or "") / configured
    kind = LOGO_TYPES.get(path.suffix.lower())
    if kind is None or not path.is_file():
        current_app.logger.warning("CENTER_LOGO %s is not a readable SVG, PNG or JPEG", path)
        return None
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def pdf_template(product: Product) -> str:
    """Officer-safety alerts have their own one-page layout."""
    return (
        "products/pdf/alert.html" if product.needs_acknowledgement else "products/pdf/product.html"
    )


def render_product_pdf(product: Product, download: ProductDownload, recipient: User) -> bytes:
    """The PDF of ``product``'s current version, made for ``recipient`` as ``download``."""
    from weasyprint import HTML  # needs Pango; see the module's docstring
    from weasyprint.urls import URLFetcher

    tlp = Tlp(product.tlp)
    html = render_template(
        pdf_template(product),
        product=product,
        tlp=tlp,
        tlp_background=TLP_BACKGROUND,
        marking=banner_text(product),
        body_html=render_markdown(product.body_md),
        download=download,
        recipient=recipient,
        center_name=current_app.config.get("CENTER_NAME") or "",
        logo=center_logo_data_url(),
    )
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def product_pdf(product: Product, user: User) -> tuple[bytes, str]:
    """Record and make ``user``'s PDF copy of ``product``; (the PDF, its file name)."""
    download = record_download(product, user)
    data = render_product_pdf(product, download, user)
    return data, f"{product.reference}-v{product.version}-{download.download_id}.pdf"


# ---------------------------------------------------------------- print stylesheet


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: every character but letters, digits and spaces
    as a CSS escape, so product text cannot end the string or the rule."""
    out = []
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch == " "):
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x} ")  # the space ends the escape and is dropped
    return '"' + "".join(out) + '"'


def print_stylesheet(product: Product, marked, number: int, viewer: User) -> str:
    """The print stylesheet of version ``number`` of ``product`` (``marked``: the product
    or that version, whose marking is printed): the marking in the page margins of every
    printed page (browsers that draw CSS page margin boxes), the viewer's name below."""
    return render_template(
        "products/print.css",
        colour=Tlp(marked.tlp).colour,
        background=TLP_BACKGROUND,
        marking=css_string(banner_text(marked)),
        reference=css_string(f"{product.reference} · version {number}"),
        printed_for=css_string(f"Printed for {viewer.name}"),
    )
