"""Product attachments: added to and removed from drafts, stored in the upload directory."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flo_portal.audit.services import record as audit
from flo_portal.core.extensions import db
from flo_portal.core.uploads import (
    DOCUMENTS,
    UploadRefused,
    area_root,
    check_upload,
    read_limited,
    store_file,
)
from flo_portal.products.authoring import can_edit
from flo_portal.products.errors import (
    ProductConflict,
    ProductInputError,
    ProductRefused,
)
from flo_portal.products.models import (
    Product,
    ProductAttachment,
    ProductStatus,
)
from flo_portal.users.models import User

# The file types a product takes; the check itself is flo_portal.core.uploads.check_upload.
PRODUCT_EXTENSIONS = (*DOCUMENTS, "pptx")
AREA = "products"  # the file store's folder for product attachments


def add_attachment(product: Product, stream, filename: str, user: User) -> ProductAttachment:
    if product.status != ProductStatus.DRAFT:
        raise ProductConflict("Attachments can be added to drafts only, by their editors.")
    if not can_edit(product, user):
        raise ProductRefused("Attachments can be added to drafts only, by their editors.")
    data = read_limited(stream)
    try:
        checked = check_upload(filename, data, allowed=PRODUCT_EXTENSIONS)
    except UploadRefused as err:
        raise ProductInputError(str(err)) from None
    name = checked.filename
    storage = store_file(AREA, data)
    att = ProductAttachment(
        product_id=product.id,
        filename=name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=hashlib.sha256(data).hexdigest(),
        storage_name=storage,
        uploaded_by_id=user.id,
    )
    db.session.add(att)
    db.session.flush()
    audit(
        "product.attachment_added",
        product,
        summary=f"{product.reference}: {name}",
        details={"attachment_id": att.id, "size": att.size, "sha256": att.sha256},
        actor=user,
    )
    return att


def attachment_path(att: ProductAttachment) -> Path:
    return area_root(AREA) / att.storage_name


def remove_attachment(product: Product, att: ProductAttachment, user: User) -> None:
    if product.status != ProductStatus.DRAFT:
        raise ProductConflict("Attachments can be removed from drafts only.")
    if not can_edit(product, user):
        raise ProductRefused("Attachments can be removed from drafts only.")
    attachment_path(att).unlink(missing_ok=True)
    audit(
        "product.attachment_removed",
        product,
        summary=f"{product.reference}: {att.filename}",
        details={"attachment_id": att.id},
        actor=user,
    )
    db.session.delete(att)
    db.session.flush()
