"""scripts/audit_deps.py: vulnerabilities fail; an unreachable advisory service warns."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_deps.py"
spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
audit_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_deps)


def _fake(monkeypatch, deps=None, stderr=""):
    def run(argv, **kwargs):
        if deps is not None:
            Path(argv[argv.index("--output") + 1]).write_text(json.dumps({"dependencies": deps}))
        return subprocess.CompletedProcess(argv, 1 if deps is None else 0, "", stderr)

    monkeypatch.setattr(audit_deps.subprocess, "run", run)


@pytest.mark.parametrize(
    ("deps", "stderr", "code", "said"),
    [
        ([{"name": "flask", "version": "3.1.3", "vulns": []}], "", 0, "1 packages audited"),
        (
            [
                {
                    "name": "flask",
                    "version": "0.1",
                    "vulns": [{"id": "PYSEC-1", "fix_versions": ["3"]}],
                }
            ],
            "",
            1,
            "VULNERABLE flask 0.1: PYSEC-1",
        ),
        ([{"name": "flask", "version": "3.1.3", "skip_reason": "not found"}], "", 0, "NOT audited"),
        (None, "requests.exceptions.ConnectionError: Max retries exceeded", 0, "NOT audited"),
        (None, "some other failure", 1, ""),
    ],
)
def test_outcomes(monkeypatch, capsys, deps, stderr, code, said):
    _fake(monkeypatch, deps, stderr)
    assert audit_deps.main(["requirements.lock"]) == code
    assert said in capsys.readouterr().out
