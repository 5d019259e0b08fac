"""The ONE check for uploaded files (RFI attachments, product attachments, training
evidence): an allow-list by extension, the content type that goes with it, the leading
bytes the content must start with, the MAX_UPLOAD_BYTES size limit and a safe file name.

Each feature passes the extensions it takes::

    checked = check_upload(filename, data, allowed=("pdf", "png", "jpg", "jpeg"))
    checked.filename, checked.content_type, checked.extension

and gets :class:`UploadRefused` (an ``InputError``, 422) with a message for the user otherwise.
Files are kept in the one file store below (:func:`store_file`, :func:`stored_path`).
Read a stream with :func:`read_limited` so an oversized file is never read whole, and
answer a download with :func:`send_stored`.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from flo_portal.core.errors import InputError
from flo_portal.core.extensions import db

ZIP = (b"PK\x03\x04",)


@dataclass(frozen=True)
class FileType:
    label: str  # shown to users: "PDF", "JPEG"
    content_type: str
    magics: tuple[bytes, ...] | None  # accepted leading bytes; None: UTF-8 plain text


# Every type the portal can take; features choose a subset by extension.
FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("PDF", "application/pdf", (b"%PDF-",)),
    "png": FileType("PNG", "image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": FileType("JPEG", "image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": FileType("JPEG", "image/jpeg", (b"\xff\xd8\xff",)),
    "gif": FileType("GIF", "image/gif", (b"GIF87a", b"GIF89a")),
    "docx": FileType(
        "DOCX",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ZIP,
    ),
    "xlsx": FileType(
        "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP
    ),
    "pptx": FileType(
        "PPTX",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ZIP,
    ),
    "txt": FileType("TXT", "text/plain", None),
    "csv": FileType("CSV", "text/csv", None),
}

DOCUMENTS = ("pdf", "png", "jpg", "jpeg", "gif", "docx", "xlsx", "txt", "csv")
IMAGES_AND_PDF = ("pdf", "png", "jpg", "jpeg")


class UploadRefused(InputError):
    """The file is empty, too large, of a type not taken, or not what its name says."""


@dataclass(frozen=True)
class CheckedUpload:
    filename: str  # safe: no directories, at most 200 characters
    content_type: str
    extension: str  # lower case, no dot
    size: int


def allowed_label(allowed) -> str:
    """'PDF, PNG or JPEG' for ('pdf', 'png', 'jpg', 'jpeg')."""
    labels: list[str] = []
    for ext in allowed:
        label = FILE_TYPES[ext].label
        if label not in labels:
            labels.append(label)
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"


def upload_limit() -> int:
    return int(current_app.config["MAX_UPLOAD_BYTES"])


def read_limited(stream) -> bytes:
    """At most MAX_UPLOAD_BYTES + 1 bytes of ``stream``: enough to tell it is too large."""
    return stream.read(upload_limit() + 1)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_upload(filename: str | None, data: bytes, *, allowed=DOCUMENTS) -> CheckedUpload:
    """The checked upload, or UploadRefused with a message saying what is wrong and
    what is accepted."""
    allowed = tuple(e.lower().lstrip(".") for e in allowed)
    unknown = [e for e in allowed if e not in FILE_TYPES]
    if unknown:
        raise ValueError(f"No upload rule for: {', '.join(unknown)}")  # programming error
    label = allowed_label(allowed)
    accepted = f"Only {label} files are accepted, and the content must match the extension."
    safe = secure_filename(filename or "")
    if not safe or "." not in safe:
        raise UploadRefused(f"The file needs a name ending in one of: {label}. {accepted}")
    stem, ext = safe.rsplit(".", 1)
    ext = ext.lower()
    safe = stem[: 200 - len(ext) - 1] + "." + ext if len(safe) > 200 else safe
    if ext not in allowed:
        raise UploadRefused(f"Files of type .{ext} are not accepted. {accepted}")
    if not data:
        raise UploadRefused("The file is empty.")
    limit = upload_limit()
    if len(data) > limit:
        raise UploadRefused(f"The file is larger than the upload limit: the limit is {_mb(limit)}.")
    kind = FILE_TYPES[ext]
    if kind.magics is None:
        if b"\x00" in data or not _is_utf8(data):
            raise UploadRefused(
                f"{safe} is not really a .{ext} file (it is not UTF-8 plain text). {accepted}"
            )
    elif not data.startswith(kind.magics):
        raise UploadRefused(
            f"{safe} is not really a .{ext} file (its content does not match). {accepted}"
        )
    return CheckedUpload(
        filename=safe, content_type=kind.content_type, extension=ext, size=len(data)
    )


# ------------------------------------------------ files follow the database transaction
# A file is written when the request asks for it, but it belongs to the transaction that
# adds its row: if that transaction ends without committing (an error later in the
# request, a refused commit), the file is removed, so no file is left without a row.

_WRITTEN = "flo_portal.core.uploads.written"


def write_upload(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file at ``path`` (owner-only), kept only if the current
    database transaction commits."""
    session = db.session()
    session.connection()  # begin the transaction now, so its end is seen even if no SQL ran
    with open(path, "xb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)
    session.info.setdefault(_WRITTEN, []).append(path)


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint or inner transaction: not the end yet
        return
    for path in session.info.pop(_WRITTEN, []):
        Path(path).unlink(missing_ok=True)


# --- the one file store ------------------------------------------------------------
# Every stored file lives under UPLOAD_DIR/<area>/ (rfis, products, training) with a
# name the portal chose, never the uploader's; the row that refers to it keeps the
# uploader's (safe) name for display. A file is written only with its row's transaction
# (write_upload) and is read back only through stored_path, which refuses any name that
# would leave its area.


def area_root(area: str) -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]) / area
    root.mkdir(parents=True, exist_ok=True)
    return root


def store_file(area: str, data: bytes, *, suffix: str = "", prefix: str = "") -> str:
    """Store ``data`` in ``area`` under a new random name (returned), kept only if the
    current transaction commits."""
    import secrets

    name = f"{prefix}{secrets.token_hex(16)}{suffix}"
    write_upload(area_root(area) / name, data)
    return name


def stored_path(area: str, name: str | None) -> Path | None:
    """The stored file ``name`` of ``area``, or None when it is missing or the name would
    lead outside the area."""
    if not name:
        return None
    root = area_root(area).resolve()
    path = (root / name).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def remove_stored(area: str, name: str | None) -> None:
    path = stored_path(area, name)
    if path is not None:
        path.unlink(missing_ok=True)


def send_stored(
    path: Path, *, mimetype: str, download_name: str, as_attachment: bool = True, **options
):
    """The response that hands over the stored file at ``path``. It is read whole
    (uploads are capped at MAX_UPLOAD_BYTES) so no file handle outlives the request."""
    return send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        **options,
    )
