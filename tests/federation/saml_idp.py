"""A real SAML 2.0 identity provider for the tests: pysaml2's own IdP side
(saml2.server.Server) in a tiny WSGI app on 127.0.0.1, with a throwaway RSA key and
self-signed certificate made here. It serves its metadata at /metadata and answers an
AuthnRequest (HTTP-Redirect) at /sso with a signed Response auto-POSTed to the ACS."""

from __future__ import annotations

import contextlib
import datetime
import html
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MFA = "https://refeds.org/profile/mfa"
FIELD = re.compile(r'name="(SAMLResponse|RelayState)" value="([^"]*)"')


def make_key_and_cert(folder: Path, common_name: str) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / "idp.key", folder / "idp.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class TestIdP:
    """The IdP's knobs: who signs in (``user``), how (``authn_context``) and how it
    misbehaves (``mode``: normal, tamper, wrong-audience, wrong-destination, unsigned)."""

    def __init__(self, base: str, key: Path, cert: Path) -> None:
        self.base, self.key, self.cert = base, key, cert
        self.reset()
        self.server = Server(config=self._config([]))
        self.metadata = str(entity_descriptor(self.server.config))

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/metadata"

    def _config(self, sp_metadata: list[str]) -> IdPConfig:
        config = IdPConfig()
        config.load(
            {
                "entityid": self.metadata_url,
                "xmlsec_binary": shutil.which("xmlsec1"),
                "key_file": str(self.key),
                "cert_file": str(self.cert),
                "metadata": {"inline": sp_metadata} if sp_metadata else {},
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(f"{self.base}/sso", BINDING_HTTP_REDIRECT)]
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "policy": {
                            "default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None}
                        },
                    }
                },
            }
        )
        return config

    def trust(self, sp_metadata: str) -> None:
        """Know the portal's SP (its entity id and ACS) from its published metadata."""
        self.server = Server(config=self._config([sp_metadata]))
        self.reset()

    def reset(self) -> None:
        self.user, self.authn_context, self.mode = "flo@agency.example", PASSWORD, "normal"

    def answer(self, saml_request: str, relay_state: str) -> str:
        """The auto-POST page carrying the signed Response to the AuthnRequest."""
        request = self.server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT)
        args = self.server.response_args(request.message)
        audience = args["sp_entity_id"]  # the Response's AudienceRestriction
        if self.mode == "wrong-audience":
            audience = "https://elsewhere.example/sp"
        destination = args["destination"]  # the Response's Destination and Recipient
        if self.mode == "wrong-destination":
            destination = "https://elsewhere.example/acs"
        response = self.server.create_authn_response(
            identity={"mail": [self.user], "displayName": ["Fed User"]},
            in_response_to=args["in_response_to"],
            destination=destination,
            sp_entity_id=audience,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=self.user),
            authn={"class_ref": self.authn_context, "authn_auth": self.metadata_url},
            sign_assertion=self.mode != "unsigned",
        )
        xml = str(response)
        if self.mode == "tamper":  # the signed assertion changed after signing
            xml = xml.replace(f">{self.user}<", ">someone.else@agency.example<")
        http = self.server.apply_binding(
            BINDING_HTTP_POST, xml, args["destination"], relay_state, response=True
        )
        return http["data"]

    def wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/metadata":
            answer = Response(self.metadata, mimetype="application/samlmetadata+xml")
        elif request.path == "/sso":
            page = self.answer(request.args["SAMLRequest"], request.args.get("RelayState", ""))
            answer = Response(page, mimetype="text/html")
        else:
            answer = Response("not found", status=404)
        return answer(environ, start_response)


def posted_fields(page: str) -> tuple[str, dict[str, str]]:
    """The ACS URL and fields of the IdP's auto-POST form, as a browser would send them."""
    action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))
    return action, {k: html.unescape(v) for k, v in FIELD.findall(page)}


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(url.split("?", 1)[1]).items()}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@contextlib.contextmanager
def running_idp(host: str = "127.0.0.1") -> Iterator[TestIdP]:
    """The IdP served in a thread on 127.0.0.1 (``host`` names it in its URLs: a browser
    test uses "localhost", another site than the portal); stopped after."""
    with tempfile.TemporaryDirectory() as folder:
        key, cert = make_key_and_cert(Path(folder), "FLO test IdP")
        holder: dict = {}
        server = make_server(
            "127.0.0.1",
            0,
            lambda e, s: holder["idp"].wsgi(e, s),
            threaded=True,
            request_handler=_QuietHandler,
        )
        idp = TestIdP(f"http://{host}:{server.server_port}", key, cert)
        holder["idp"] = idp
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield idp
        finally:
            server.shutdown()
            thread.join(timeout=5)
