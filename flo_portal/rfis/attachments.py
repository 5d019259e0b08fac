"""RFI attachments: checked by flo_portal.core.uploads, stored outside static/."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from flask import current_app

from flo_portal.core.extensions import db
from flo_portal.core.uploads import DOCUMENTS, allowed_label, check_upload, write_upload
from flo_portal.rfis.models import Rfi, RfiAttachment

# The file types an RFI takes; the check itself is flo_portal.core.uploads.check_upload.
RFI_EXTENSIONS = DOCUMENTS
ALLOWED_LABEL = allowed_label(RFI_EXTENSIONS)


def upload_root() -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]) / "rfis"
    root.mkdir(parents=True, exist_ok=True)
    return root


def store_attachment(rfi: Rfi, user, filename: str, data: bytes, message=None) -> RfiAttachment:
    """Check and store one file; adds the row (caller's transaction commits it)."""
    checked = check_upload(filename, data, allowed=RFI_EXTENSIONS)
    stored = uuid.uuid4().hex
    path = upload_root() / stored
    write_upload(path, data)
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
    return upload_root() / att.stored_name
