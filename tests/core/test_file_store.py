"""The one file store: files kept with their row's transaction, read back inside their area."""

from __future__ import annotations

from flo_portal.core.extensions import db
from flo_portal.core.uploads import area_root, remove_stored, store_file, stored_path


def test_a_stored_file_is_kept_only_when_its_transaction_commits(app):
    with app.app_context():
        kept = store_file("rfis", b"%PDF-1.7 kept", suffix=".pdf")
        db.session.commit()
        dropped = store_file("rfis", b"%PDF-1.7 dropped")
        db.session.rollback()
        assert stored_path("rfis", kept).read_bytes() == b"%PDF-1.7 kept"
        assert kept.endswith(".pdf") and (area_root("rfis") / kept).stat().st_mode & 0o077 == 0
        assert stored_path("rfis", dropped) is None
        remove_stored("rfis", kept)
        assert stored_path("rfis", kept) is None


def test_a_name_cannot_leave_its_area(app):
    with app.app_context():
        name = store_file("products", b"secret")
        db.session.commit()
        assert stored_path("products", name) is not None
        assert stored_path("training", f"../products/{name}") is None
        assert stored_path("training", "/etc/passwd") is None
        assert stored_path("training", "") is None and stored_path("training", None) is None
