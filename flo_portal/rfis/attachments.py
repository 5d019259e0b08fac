"""RFI attachments: checked by flo_portal.core.uploads, stored outside static/."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flo_portal.core.extensions import db
from flo_portal.core.uploads import DOCUMENTS, allowed_label, area_root, check_upload, store_file
from flo_portal.rfis.models import Rfi, RfiAttachment

# The file types an RFI takes; the check itself is flo_portal.core.uploads.check_upload.
RFI_EXTENSIONS = DOCUMENTS
AREA = "rfis"  # the file store's folder for RFI attachments
ALLOWED_LABEL = allowed_label(RFI_EXTENSIONS)


def store_attachment(rfi: Rfi, user, filename: str, data: bytes, message=None) -> RfiAttachment:
    """Check and store one file; adds the row (caller's transaction commits it)."""
    checked = check_upload(filename, data, allowed=RFI_EXTENSIONS)
    stored = store_file(AREA, data)
    att = RfiAttachment(
        rfi=rfi,
        uploaded_by_id=user.id,
        filename=checked.filename,
        stored_name=stored,
        content_type=checked.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        message_id=getattr(message, "id", None),
    )
    db.session.add(att)
    return att


def attachment_path(att: RfiAttachment) -> Path:
    return area_root(AREA) / att.stored_name
