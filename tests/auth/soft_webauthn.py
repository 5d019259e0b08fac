"""A software WebAuthn authenticator for tests: a real EC P-256 key, 'none' attestation,
authenticatorData with the UP/UV flags and a sign counter, so the server's py_webauthn
verification runs for real on what it makes."""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from base64 import urlsafe_b64decode, urlsafe_b64encode

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, rp_id: str = "127.0.0.1", origin: str = "http://127.0.0.1:5000"):
        self.rp_id = rp_id
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.sign_count = 0
        self.user_handle: bytes | None = None

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        ).encode()

    def _auth_data(self, rp_id: str | None, flags: int, attested: bytes = b"") -> bytes:
        rp_hash = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", self.sign_count) + attested

    def create(
        self, options: dict, *, origin: str | None = None, rp_id: str | None = None, uv=True
    ) -> dict:
        """The browser's JSON for navigator.credentials.create(options)."""
        self.user_handle = unb64url(options["user"]["id"])
        attested = (
            b"\0" * 16 + struct.pack(">H", len(self.credential_id)) + self.credential_id
        ) + self._cose_key()
        flags = UP | AT | (UV if uv else 0)
        auth_data = self._auth_data(rp_id, flags, attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return self._credential(
            clientDataJSON=b64url(client_data),
            attestationObject=b64url(attestation),
            transports=["internal"],
        )

    def _credential(self, **response) -> dict:
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": response,
            "clientExtensionResults": {},
        }

    def get(
        self,
        options: dict,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        uv=True,
        count_step: int = 1,
    ) -> dict:
        """The browser's JSON for navigator.credentials.get(options)."""
        self.sign_count += count_step
        auth_data = self._auth_data(rp_id, UP | (UV if uv else 0))
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return self._credential(
            clientDataJSON=b64url(client_data),
            authenticatorData=b64url(auth_data),
            signature=b64url(signature),
            userHandle=b64url(self.user_handle) if self.user_handle else None,
        )
