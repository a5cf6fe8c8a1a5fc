"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (``saml2.server``)
serving HTTP on a thread, with its own key and certificate made for the run.

It answers Kuvert's AuthnRequest with a login form; the person's name picks one of the
people set up by the test, and each person can be given a way in which the answer goes
wrong, produced by the IdP library itself:

- ``audience``: the assertion is made for another service provider;
- ``issuer``: it is issued (and signed) by an IdP entity Kuvert does not know;
- ``expired``: its lifetime ended ten minutes ago;
- ``unsigned``: neither the assertion nor the response is signed;
- ``tamper``: signed, then a group value is changed in the XML afterwards.

The answer page has the usual form posting SAMLResponse to Kuvert; ``/last`` shows the
previous answer's form again, as an attacker who captured it would replay it.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

XMLSEC = "/usr/bin/xmlsec1"
URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


def key_and_certificate(folder: Path, name: str, days: int = 365) -> tuple[Path, Path]:
    """A new RSA key and a self-signed certificate for ``name``, as PEM files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=days))
            .sign(key, hashes.SHA256()))
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.crt"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


@dataclass
class Person:
    attributes: dict[str, list[str]]
    fault: str = ""  # "", audience, issuer, expired, unsigned, tamper


@dataclass
class SamlIdp:
    folder: Path
    entity_id: str = ""
    people: dict[str, Person] = field(default_factory=dict)
    sp_metadata: list[Path] = field(default_factory=list)
    last_answer: str = ""
    httpd: ThreadingHTTPServer | None = None
    _servers: dict[str, Server] = field(default_factory=dict)

    @property
    def url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.entity_id = f"{self.url}/idp"
        self.key, self.cert = key_and_certificate(self.folder, "idp")

    def stop(self) -> None:
        assert self.httpd is not None
        self.httpd.shutdown()
        self.httpd.server_close()

    def _config(self, entity_id: str, lifetime_minutes: int) -> IdPConfig:
        config = IdPConfig()
        config.load({
            "entityid": entity_id,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(f"{self.url}/sso",
                                                          BINDING_HTTP_REDIRECT)]},
                "policy": {"default": {"lifetime": {"minutes": lifetime_minutes},
                                       "name_form": URI}},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            }},
            "metadata": {"local": [str(p) for p in self.sp_metadata]} if self.sp_metadata
            else {},
            "key_file": str(self.key), "cert_file": str(self.cert),
            "xmlsec_binary": XMLSEC, "attribute_map_dir": None,
        })
        return config

    def trust(self, sp_metadata: Path) -> None:
        """Answer this service provider too (each Kuvert server the tests start is one)."""
        self.sp_metadata.append(sp_metadata)
        self._servers.clear()

    def metadata_file(self) -> Path:
        """The IdP's own metadata, for Kuvert's KUVERT_SAML_IDP_METADATA."""
        path = self.folder / "idp-metadata.xml"
        path.write_text(str(entity_descriptor(self._config(self.entity_id, 15))))
        return path

    def server(self, fault: str) -> Server:
        """The IdP library's server, one per way of answering (issuer and lifetime differ)."""
        key = fault if fault in ("issuer", "expired") else ""
        if key not in self._servers:
            entity = f"{self.url}/falsk-idp" if key == "issuer" else self.entity_id
            self._servers[key] = Server(config=self._config(entity, -10 if key == "expired"
                                                             else 15))
        return self._servers[key]

    def answer(self, saml_request: str, username: str) -> str:
        """The auto-post page with this person's SAMLResponse to the requesting SP."""
        person = self.people[username]
        server = self.server(person.fault)
        request = server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT).message
        acs = request.assertion_consumer_service_url
        sp = "urn:et-andet-system" if person.fault == "audience" else request.issuer.text
        signed = person.fault != "unsigned"
        response = server.create_authn_response(
            identity=person.attributes, in_response_to=request.id, destination=acs,
            sp_entity_id=sp, name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=username),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_assertion=signed, sign_response=False)
        xml = str(response)
        if person.fault == "tamper":
            xml = xml.replace("kuvert-laeser", "kuvert-admin")
        encoded = base64.b64encode(xml.encode()).decode()
        self.last_answer = _post_page(acs, encoded)
        return self.last_answer


def _post_page(acs: str, encoded: str) -> str:
    return (f'<!doctype html><html lang="da"><title>Kommunens login</title><body>'
            f'<form method="post" action="{html.escape(acs)}">'
            f'<input type="hidden" name="SAMLResponse" value="{encoded}">'
            f'<button type="submit">Fortsæt til Kuvert</button></form></body></html>')


def _login_page(query: str) -> str:
    return ('<!doctype html><html lang="da"><title>Kommunens login</title><body>'
            '<h1>Kommunens login (test)</h1><form method="post" action="/sso">'
            f'<input type="hidden" name="query" value="{html.escape(query)}">'
            '<label for="u">Brugernavn</label><input id="u" name="username">'
            '<button type="submit">Log ind hos kommunen</button></form></body></html>')


def _handler(idp: SamlIdp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def _send(self, body: str, status: int = 200) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/sso":
                self._send(_login_page(url.query))
            elif url.path == "/last":
                self._send(idp.last_answer)
            else:
                self._send("ukendt", 404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            query = parse_qs(form["query"][0])
            self._send(idp.answer(query["SAMLRequest"][0], form["username"][0]))

    return Handler
