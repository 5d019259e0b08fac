"""`make audit-deps`: pip-audit the hashed lock files.

Fails (exit 1) when a locked package has a known vulnerability. Passes with a clear
warning only when the advisory service could not be reached: a connection error, or an
index that answered for none of the locked packages (pip-audit then says "No known
vulnerabilities found" having audited nothing, which must not read as a clean bill).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

NETWORK_MARKERS = (
    "ConnectionError",
    "Max retries exceeded",
    "Name or service not known",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Connection refused",
    "timed out",
    "SSLError",
)


def main(locks: list[str]) -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        argv = [str(pip_audit), "--disable-pip", "--require-hashes", "--progress-spinner", "off"]
        for lock in locks:
            argv += ["-r", lock]
        done = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
            [*argv, "--format", "json", "--output", str(report)],
            capture_output=True,
            text=True,
            check=False,
        )
        output = done.stdout + done.stderr
        if not report.exists():
            if any(marker in output for marker in NETWORK_MARKERS):
                return _unreachable("the advisory service refused the connection")
            print(output, file=sys.stderr)
            return done.returncode or 1
        deps = json.loads(report.read_text())["dependencies"]
    audited = [d for d in deps if "skip_reason" not in d]
    skipped = [d for d in deps if "skip_reason" in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        return _unreachable(f"it answered for none of the {len(deps)} locked packages")
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    for dep in skipped:
        print(f"not audited: {dep['name']} {dep['version']}: {dep['skip_reason']}")
    print(
        f"audit-deps: {len(audited)} packages audited, {len(vulnerable)} vulnerable, "
        f"{len(skipped)} not audited."
    )
    return 1 if vulnerable else 0


def _unreachable(why: str) -> int:
    print(
        "audit-deps: WARNING: the vulnerability advisory service could not be reached "
        f"({why}); the dependencies were NOT audited. Run `make audit-deps` where the "
        "package index's advisory data can be reached."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["requirements.lock", "requirements-test.lock"]))
