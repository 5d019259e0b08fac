"""Start and stop the real OpenID Provider (node oidc-provider, tests/federation/op)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

OP_DIR = Path(__file__).parent / "op"
CLIENT_ID = "flo-portal"
CLIENT_SECRET = "op-test-secret"
SECRET_ENV = "FLO_TEST_OIDC_SECRET"


@dataclass
class TestOP:
    issuer: str

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def set_mode(self, mode: str) -> None:
        """Make the token endpoint misbehave: tamper, wrong-aud, token-down, normal."""
        requests.post(f"{self.issuer}/__test/mode", json={"mode": mode}, timeout=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_installed() -> None:
    if (OP_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install the test OpenID Provider")
    subprocess.run(
        [npm, "ci", "--prefix", str(OP_DIR), "--no-audit", "--no-fund"],
        check=True,
        capture_output=True,
        timeout=300,
    )


@contextmanager
def running_op(redirect_uris: list[str], *, host: str = "127.0.0.1") -> Iterator[TestOP]:
    """The provider on 127.0.0.1 on a free port; ``host`` names it in the issuer (a
    browser test uses "localhost" so the provider is another site than the portal)."""
    ensure_installed()
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "ISSUER_HOST": host,
        "REDIRECT_URIS": ",".join(redirect_uris),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
    }
    proc = subprocess.Popen(
        [shutil.which("node") or "node", str(OP_DIR / "server.mjs")],
        env=env,
        cwd=OP_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    op = TestOP(f"http://{host}:{port}")
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(
                    f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1
                ).ok:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the test OpenID Provider did not start")
            time.sleep(0.1)
        yield op
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
