"""Every audit event of the RFI feature names its actor explicitly (issue 11): no call of
``record`` in flo_portal/rfis/ or the RFI API relies on the ``current_user`` fallback,
and no RFI service reads ``current_user``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "flo_portal"
FILES = [*sorted((ROOT / "rfis").glob("*.py")), ROOT / "api" / "rfis.py"]
SERVICES = ["services.py", "dissemination.py", "attachments.py", "queries.py", "policies.py"]


def test_every_record_call_passes_actor():
    missing = []
    for path in FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "record"
                and "actor" not in {k.arg for k in node.keywords}
            ):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not missing, missing


def test_rfi_services_do_not_read_current_user():
    readers = [name for name in SERVICES if "current_user" in (ROOT / "rfis" / name).read_text()]
    assert not readers, readers
