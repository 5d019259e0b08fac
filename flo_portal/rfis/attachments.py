"""Attachment checks (size, type by magic bytes) and storage outside static/."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from flask import current_app
from werkzeug.utils import secure_filename

from flo_portal.extensions import db
from flo_portal.rfis.models import Rfi, RfiAttachment

ZIP = (b"PK\x03\x04",)
# extension -> (content type, accepted leading bytes); None means "plain text".
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ZIP,
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
}
ALLOWED_LABEL = "PDF, PNG, JPEG, GIF, DOCX, XLSX, TXT or CSV"


class AttachmentRefused(ValueError):
    """The file is too large, empty, of a type we do not take, or not what its name says."""


def check_upload(filename: str, data: bytes) -> tuple[str, str]:
    """(safe file name, content type) for an acceptable upload, else AttachmentRefused."""
    safe = secure_filename(filename or "")[:200]
    if not safe or "." not in safe:
        raise AttachmentRefused(
            f"The file needs a name ending in one of: {ALLOWED_LABEL}."
        )
    ext = safe.rsplit(".", 1)[1].lower()
    if ext not in ALLOWED_TYPES:
        raise AttachmentRefused(
            f"Files of type .{ext} are not accepted; use {ALLOWED_LABEL}."
        )
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if not data:
        raise AttachmentRefused("The file is empty.")
    if len(data) > limit:
        raise AttachmentRefused(
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.1f} MB."
        )
    content_type, magics = ALLOWED_TYPES[ext]
    if magics is None:
        if b"\x00" in data[:8192]:
            raise AttachmentRefused(
                f"{safe} is not a plain-text file, whatever its name says."
            )
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise AttachmentRefused(f"{safe} is not UTF-8 text.") from None
    elif not data.startswith(magics):
        raise AttachmentRefused(
            f"{safe} is not really a .{ext} file (its content does not match)."
        )
    return safe, content_type


def upload_root() -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]) / "rfis"
    root.mkdir(parents=True, exist_ok=True)
    return root


def store_attachment(
    rfi: Rfi, user, filename: str, data: bytes, message=None
) -> RfiAttachment:
    """Check and store one file; adds the row (caller's transaction commits it)."""
    safe, content_type = check_upload(filename, data)
    stored = uuid.uuid4().hex
    path = upload_root() / stored
    with open(path, "xb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)
    att = RfiAttachment(
        rfi=rfi,
        uploaded_by_id=user.id,
        filename=safe,
        stored_name=stored,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        message_id=getattr(message, "id", None),
    )
    db.session.add(att)
    return att


def attachment_path(att: RfiAttachment) -> Path:
    return upload_root() / att.stored_name
