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

Single logout (HTTP-Redirect, as Kuvert's metadata offers it), unless made with
``slo=False``: ``/slo`` takes Kuvert's LogoutRequest (its signature checked by the IdP
library against Kuvert's metadata), notes whom it logged out in ``logged_out`` and
redirects back with a signed LogoutResponse; :meth:`SamlIdp.logout_url` makes the IdP's
own LogoutRequest to Kuvert, signed, or with a fault: ``unsigned``, ``tamper`` (signed
for another person, then the NameID changed to this one), ``issuer`` (from an unknown IdP).
Kuvert's answer comes back to ``/slo`` too; ``answers`` keeps whether each was signed
by Kuvert's key and said Success.
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
from urllib.parse import parse_qs, urlencode, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.pack import http_redirect_message
from saml2.response import StatusError
from saml2.s_utils import status_message_factory
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.samlp import STATUS_RESPONDER
from saml2.server import Server
from saml2.sigver import verify_redirect_signature
from saml2.xmldsig import SIG_RSA_SHA256

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
    slo: bool = True
    slo_fails: bool = False  # answer Kuvert's LogoutRequest with Responder, not Success
    logged_out: list[str] = field(default_factory=list)
    answers: list[tuple[bool, bool]] = field(default_factory=list)  # (signed, success)
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

    def _config(self, entity_id: str, lifetime_minutes: int,
                signed_requests: bool = False) -> IdPConfig:
        endpoints = {"single_sign_on_service": [(f"{self.url}/sso", BINDING_HTTP_REDIRECT)]}
        if self.slo:
            endpoints["single_logout_service"] = [(f"{self.url}/slo", BINDING_HTTP_REDIRECT)]
        config = IdPConfig()
        config.load({
            "entityid": entity_id,
            "service": {"idp": {
                "endpoints": endpoints,
                "policy": {"default": {"lifetime": {"minutes": lifetime_minutes},
                                       "name_form": URI}},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                # a LogoutRequest must be signed (pysaml2 reads this for every request)
                "want_authn_requests_signed": signed_requests,
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
        """The IdP library's server, one per way of answering (issuer and lifetime differ;
        ``slo`` takes only signed requests)."""
        key = fault if fault in ("issuer", "expired", "slo") else ""
        if key not in self._servers:
            entity = f"{self.url}/falsk-idp" if key == "issuer" else self.entity_id
            self._servers[key] = Server(config=self._config(
                entity, -10 if key == "expired" else 15, signed_requests=key == "slo"))
        return self._servers[key]

    # --- single logout ---------------------------------------------------------------------

    def logout_url(self, sp_entity_id: str, username: str, fault: str = "") -> str:
        """The address at Kuvert with this IdP's LogoutRequest for ``username`` (the IdP
        ending that person's login everywhere), as the IdP sends the browser there."""
        server = self.server("issuer" if fault == "issuer" else "slo")
        slo = server.metadata.single_logout_service(sp_entity_id, BINDING_HTTP_REDIRECT,
                                                    "spsso")
        destination = slo[0]["location"]

        def request_for(name: str) -> str:
            _id, request = server.create_logout_request(
                destination, sp_entity_id,
                name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name), sign=False)
            return str(request)

        sign = fault != "unsigned"
        signed_for = f"en-anden-{username}" if fault == "tamper" else username
        info = http_redirect_message(request_for(signed_for), destination, relay_state="tilbage",
                                     typ="SAMLRequest", sigalg=SIG_RSA_SHA256 if sign else None,
                                     sign=sign, backend=server.sec.sec_backend)
        location: str = dict(info["headers"])["Location"]
        if fault == "tamper":  # signed for someone else, then changed to this person
            query = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
            other = http_redirect_message(request_for(username), destination,
                                          typ="SAMLRequest", sign=False)
            query["SAMLRequest"] = parse_qs(urlparse(dict(other["headers"])["Location"])
                                            .query)["SAMLRequest"][0]
            location = f"{destination}?{urlencode(query)}"
        return location

    def take_logout(self, query: dict[str, str]) -> str:
        """Kuvert's LogoutRequest (signature checked) or its LogoutResponse (noted)."""
        server = self.server("slo")
        if "SAMLResponse" in query:
            signed = "Signature" in query and any(
                verify_redirect_signature(query, server.sec.sec_backend, cert)
                for sp in server.metadata.with_descriptor("spsso")
                for _name, cert in server.metadata.certs(sp, "spsso", "signing"))
            try:  # pysaml2 raises for any status but Success
                success = server.parse_logout_request_response(
                    query["SAMLResponse"], BINDING_HTTP_REDIRECT) is not None
            except StatusError:
                success = False
            self.answers.append((signed, success))
            return ""
        request = server.parse_logout_request(
            query["SAMLRequest"], BINDING_HTTP_REDIRECT, relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"), signature=query.get("Signature"))
        self.logged_out.append(request.message.name_id.text)
        status = status_message_factory("Kunne ikke logge ud", STATUS_RESPONDER) \
            if self.slo_fails else None
        response = server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT],
                                                 status=status, sign=False)
        destination = server.response_args(request.message, [BINDING_HTTP_REDIRECT])
        info = server.apply_binding(BINDING_HTTP_REDIRECT, str(response),
                                    destination["destination"], query.get("RelayState", ""),
                                    response=True, sign=True, sigalg=SIG_RSA_SHA256)
        location: str = dict(info["headers"])["Location"]
        return location

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
            elif url.path == "/slo" and idp.slo:
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                try:
                    location = idp.take_logout(query)
                except Exception as error:  # the IdP library refused it: show why
                    self._send(f"afvist: {html.escape(type(error).__name__)}: "
                               f"{html.escape(str(error))}", 400)
                    return
                if location:
                    self.send_response(303)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._send('<!doctype html><html lang="da"><title>Kommunens login</title>'
                               '<h1>Du er logget ud hos kommunens login</h1></html>')
            else:
                self._send("ukendt", 404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            query = parse_qs(form["query"][0])
            self._send(idp.answer(query["SAMLRequest"][0], form["username"][0]))

    return Handler
