"""flo_portal.core.uploads: the one upload check, used by products, RFIs and training evidence."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from flo_portal.core import clock
from flo_portal.core.extensions import db
from flo_portal.core.uploads import UploadRefused, allowed_label, check_upload
from flo_portal.products import services as product_services
from flo_portal.products.models import ProductAttachment
from flo_portal.rfis import attachments as rfi_attachments
from flo_portal.training import services as training_services
from tests.products.helpers import PDF, draft, staff
from tests.roster.factories import CourseFactory, OfficerFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ZIP = b"PK\x03\x04" + b"\x00" * 32


def test_allow_list_content_type_and_safe_name(app):
    ok = check_upload("../../etc/Brief Note.PDF", PDF, allowed=("pdf",))
    assert (ok.filename, ok.content_type, ok.extension, ok.size) == (
        "etc_Brief_Note.PDF",
        "application/pdf",
        "pdf",
        len(PDF),
    )
    assert check_upload("a.txt", "notes ✓".encode()).content_type == "text/plain"
    assert len(check_upload("x" * 300 + ".pdf", PDF).filename) == 200
    assert check_upload("x" * 300 + ".pdf", PDF).filename.endswith(".pdf")
    assert allowed_label(("pdf", "png", "jpg", "jpeg")) == "PDF, PNG or JPEG"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("", PDF, "needs a name ending in one of"),
        ("noextension", PDF, "needs a name ending in one of"),
        ("tool.exe", b"MZ\x90\x00", "Files of type .exe are not accepted"),
        ("empty.pdf", b"", "The file is empty."),
        ("evil.pdf", b"MZ\x90\x00 program", "evil.pdf is not really a .pdf file"),
        ("photo.png", PDF, "photo.png is not really a .png file"),
        ("notes.txt", b"abc\x00def", "not UTF-8 plain text"),
        ("notes.csv", b"\xff\xfe\xfd", "not UTF-8 plain text"),
    ],
)
def test_refusals_say_what_is_wrong_and_what_is_accepted(app, name, data, message):
    with pytest.raises(UploadRefused, match=message) as err:
        check_upload(name, data, allowed=("pdf", "png", "txt", "csv"))
    if data:
        assert "Only PDF, PNG, TXT or CSV files are accepted" in str(err.value)


def test_size_limit_comes_from_config(app):
    app.config["MAX_UPLOAD_BYTES"], limit = 1_048_576, app.config["MAX_UPLOAD_BYTES"]
    try:
        check_upload("big.pdf", PDF + b"x" * (1_048_576 - len(PDF)))
        with pytest.raises(UploadRefused, match="the limit is 1.0 MB"):
            check_upload("big.pdf", PDF + b"x" * 1_048_576)
    finally:
        app.config["MAX_UPLOAD_BYTES"] = limit


def test_each_feature_goes_through_the_one_check_with_its_own_types(app, make_user):
    """Same refusal text everywhere; each feature has its own allow-list."""
    people = staff(make_user)
    product = draft(people["author"])
    disguised = b"MZ\x90\x00 windows program"

    with pytest.raises(product_services.ProductError, match="is not really a .pdf file"):
        product_services.add_attachment(product, io.BytesIO(disguised), "x.pdf", people["author"])
    with pytest.raises(UploadRefused, match="is not really a .pdf file"):
        check_upload("x.pdf", disguised, allowed=rfi_attachments.RFI_EXTENSIONS)

    class Storage:
        def __init__(self, name, data):
            self.filename, self.stream = name, io.BytesIO(data)

    officer = OfficerFactory()
    course = CourseFactory()
    db.session.flush()
    rec, _ = training_services.record_training(officer, course, clock.today())
    with pytest.raises(training_services.EvidenceError, match="is not really a .pdf file"):
        training_services.attach_evidence(rec, Storage("x.pdf", disguised))

    # Products take slides; RFIs do not; training evidence is PDF or an image only.
    att = product_services.add_attachment(product, io.BytesIO(ZIP), "deck.pptx", people["author"])
    assert att.content_type.endswith("presentationml.presentation")
    with pytest.raises(UploadRefused, match="not accepted"):
        check_upload("deck.pptx", ZIP, allowed=rfi_attachments.RFI_EXTENSIONS)
    with pytest.raises(training_services.EvidenceError, match="Only PDF, PNG or JPEG"):
        training_services.attach_evidence(rec, Storage("cert.docx", ZIP))
    training_services.attach_evidence(rec, Storage("../scan.png", PNG))
    assert (rec.evidence_name, rec.evidence_mime) == ("scan.png", "image/png")
    assert db.session.scalar(sa.select(sa.func.count(ProductAttachment.id))) == 1
