"""A local HTTP(S) server the tests start, to stand in for an address a tenant chose (an IdP, later a CRM).

``LocalServer`` serves ``routes`` (path → handler function) on 127.0.0.1 in a thread and counts the requests it
received, so a test can prove that a refused fetch never reached it. ``self_signed(hostnames)`` makes a key and
certificate (with the ``cryptography`` package) for serving https under a hostname.
"""

from __future__ import annotations

import datetime
import http.server
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass
class Received:
    method: str
    path: str
    headers: dict


@dataclass
class LocalServer:
    """``routes`` maps a path (without the query) to ``handler(request_handler)``, which writes the answer."""

    routes: dict[str, Callable] = field(default_factory=dict)
    certificate: tuple[Path, Path] | None = None  # (cert, key) to serve https
    received: list[Received] = field(default_factory=list)
    server_names: list[str] = field(default_factory=list)  # SNI names the TLS clients sent

    def start(self) -> LocalServer:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self):
                owner.received.append(Received(self.command, self.path, dict(self.headers)))
                route = owner.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    answer(self, 404, b"not found")
                else:
                    route(self)

            do_GET = do_POST = do_HEAD = handle_one

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if self.certificate:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*map(str, self.certificate))
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name or "")
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        scheme = "https" if self.certificate else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def answer(handler, status: int, body: bytes = b"", headers: dict | None = None) -> None:
    handler.send_response(status)
    headers = {"Content-Length": str(len(body)), **(headers or {})}
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def self_signed(directory: Path, hostnames: list[str]) -> tuple[Path, Path]:
    """A key and a self-signed certificate valid for ``hostnames`` (DNS names only), written to ``directory``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hostnames]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{hostnames[0]}.crt", directory / f"{hostnames[0]}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def certificate_base64(cert_path: Path) -> str:
    """The certificate's DER, base64, as SAML metadata carries it."""
    lines = cert_path.read_text().strip().splitlines()
    return "".join(line for line in lines if not line.startswith("-----"))


def saml_idp_metadata(
    cert_b64: str,
    entity_id: str = "https://idp.initech.example/entity",
    sso_url: str = "https://idp.initech.example/sso",
) -> bytes:
    """A SAML IdP's metadata: its entity id, signing certificate and HTTP-Redirect single sign-on URL."""
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
    entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{cert_b64}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{sso_url}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>""".encode()
