"""SAML 2.0 sign-on with pysaml2: SP-initiated, HTTP-Redirect out, HTTP-POST back.

pysaml2 checks the signatures against the IdP's metadata, the audience (our entity id),
the recipient (our assertion consumer address), NotOnOrAfter with the configured clock
skew, and InResponseTo against the requests we sent; we insist on signed assertions.
What pysaml2 keeps in memory is kept in the database here, so that any worker can take
the answer: the requests sent (``saml_requests``), and the assertions already used
(``saml_used_assertions``, until they expire), so that a replayed one is refused.

Single logout (HTTP-Redirect binding both ways, at ``/saml/slo``), where the IdP's
metadata has a SingleLogoutService: a Kuvert logout sends the IdP a LogoutRequest (signed
when Kuvert has a key) for the NameID and SessionIndex of the login, and checks the
LogoutResponse that comes back; a LogoutRequest from the IdP ends the user's Kuvert
sessions and is answered with a signed LogoutResponse. Every logout message must carry a
valid signature of the configured IdP (checked here: pysaml2 as a service provider does
not insist on one), must be meant for us, and is used once.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from defusedxml import ElementTree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.ident import code, decode
from saml2.mdstore import locations
from saml2.metadata import entity_descriptor
from saml2.response import StatusError
from saml2.s_utils import UnsupportedBinding, status_message_factory, success_status_factory
from saml2.samlp import STATUS_UNKNOWN_PRINCIPAL, LogoutRequest, SessionIndex
from saml2.sigver import verify_redirect_signature
from saml2.xmldsig import SIG_RSA_SHA256
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import models as m
from app.config import Settings
from app.sso.errors import InvalidLogout, InvalidResponse, SignOnUnavailable

__all__ = ["Assertion", "IdpLogout", "SamlSignOn"]

XMLSEC = "/usr/bin/xmlsec1"
REQUEST_MINUTES = 15  # how long the IdP may take to answer
LOGOUT = "logout:"  # a SamlRequest row for a LogoutRequest: "logout:<subject>", not a page
LOGOUT_KEEP = timedelta(days=1)  # pysaml2 takes a logout message up to a day old
NS = {"saml": "urn:oasis:names:tc:SAML:2.0:assertion",
      "samlp": "urn:oasis:names:tc:SAML:2.0:protocol"}


@dataclass(frozen=True)
class Assertion:
    """What a verified answer says: who, vouched for by whom, with which attributes."""

    issuer: str
    subject: str
    attributes: dict[str, list[str]]
    next: str
    name_id: str = ""  # the whole NameID (format, qualifiers), pysaml2's ``code()``
    session_index: str = ""


@dataclass(frozen=True)
class IdpLogout:
    """A verified LogoutRequest from the IdP: whose login to end, and what to answer."""

    issuer: str
    subject: str
    session_indexes: list[str]
    message: LogoutRequest
    relay_state: str


class _Outstanding(Mapping[str, str]):
    """The requests we sent and are waiting for, as pysaml2 wants them: a mapping, here
    read from the database one id at a time."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, key: object) -> m.SamlRequest | None:
        if not isinstance(key, str):
            return None
        row = self.session.get(m.SamlRequest, key)
        if row is None or _aware(row.expires_at) < datetime.now(UTC) or \
                row.next.startswith(LOGOUT):
            return None
        return row

    def __getitem__(self, key: str) -> str:
        row = self._row(key)
        if row is None:
            raise KeyError(key)
        return row.next

    def __contains__(self, key: object) -> bool:
        return self._row(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 1  # never "empty": pysaml2 treats an empty mapping as "not checking"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class SamlSignOn:
    """Kuvert as a SAML service provider, configured from the settings."""

    def __init__(self, settings: Settings, base_url: str) -> None:
        self.settings = settings
        self.base = base_url.rstrip("/")
        self.entity_id = settings.saml_sp_entity_id or f"{self.base}/saml/metadata"
        self.config = SPConfig()
        self.config.load(self._config())
        self.client = Saml2Client(config=self.config)

    def _config(self) -> dict[str, Any]:
        s = self.settings
        source = s.saml_idp_metadata
        metadata = ({"remote": [{"url": source}]} if source.startswith(("https://", "http://"))
                    else {"local": [source]})
        sp: dict[str, Any] = {
            "endpoints": {
                "assertion_consumer_service": [(f"{self.base}/saml/acs", BINDING_HTTP_POST)],
                "single_logout_service": [(f"{self.base}/saml/slo", BINDING_HTTP_REDIRECT)],
            },
            "want_assertions_signed": True,
            "want_response_signed": False,
            "authn_requests_signed": s.saml_sign_requests,
            "allow_unsolicited": False,
        }
        config: dict[str, Any] = {
            "entityid": self.entity_id,
            "service": {"sp": sp},
            "metadata": metadata,
            "xmlsec_binary": XMLSEC,
            "accepted_time_diff": s.sso_clock_skew_seconds,
            "attribute_map_dir": None,
            # Attribute names stay as the IdP sends them (OIOSAML 3 URIs, ADFS claim URIs):
            # the settings name them, no built-in map renames or drops them.
            "allow_unknown_attributes": True,
        }
        if s.saml_sp_key_file and s.saml_sp_cert_file:
            config["key_file"] = str(s.saml_sp_key_file)
            config["cert_file"] = str(s.saml_sp_cert_file)
            config["encryption_keypairs"] = [{"key_file": str(s.saml_sp_key_file),
                                              "cert_file": str(s.saml_sp_cert_file)}]
        return {k: v for k, v in config.items() if v is not None}

    def metadata(self) -> str:
        """Kuvert's SP metadata, for the IdP's administrator."""
        return str(entity_descriptor(self.config))

    def idp_entity_ids(self) -> list[str]:
        return list(self.client.metadata.identity_providers())

    def start(self, session: Session, next: str) -> str:
        """A new AuthnRequest, remembered; returns the IdP address to send the browser to."""
        idps = self.idp_entity_ids()
        if not idps:
            raise SignOnUnavailable(why="no IdP in the metadata")
        request_id, info = self.client.prepare_for_authenticate(
            entityid=idps[0], relay_state="", binding=BINDING_HTTP_REDIRECT,
            sign=self.settings.saml_sign_requests)
        now = datetime.now(UTC)
        session.execute(delete(m.SamlRequest).where(m.SamlRequest.expires_at < now))
        session.add(m.SamlRequest(id=request_id, next=next,
                                  expires_at=now + timedelta(minutes=REQUEST_MINUTES)))
        session.commit()
        location: str = dict(info["headers"])["Location"]
        return location

    def finish(self, session: Session, saml_response: str) -> Assertion:
        """Verify an answer posted back by the browser and use it up.

        Raises
        ------
        InvalidResponse
            with the reason: unsigned, signature, issuer, audience, expired, replay, state.
        """
        issuer, assertion_ids, ends = _peek(saml_response)
        if issuer not in self.idp_entity_ids():
            raise InvalidResponse("issuer", why=f"issuer={issuer[:100]}")
        now = datetime.now(UTC)
        skew = timedelta(seconds=self.settings.sso_clock_skew_seconds)
        if any(end + skew < now for end in ends):  # pysaml2 checks too, less tellingly
            raise InvalidResponse("expired", why=f"NotOnOrAfter={min(ends).isoformat()}")
        if assertion_ids and session.scalar(select(m.SamlUsedAssertion.id).where(
                m.SamlUsedAssertion.id.in_(assertion_ids))) is not None:
            raise InvalidResponse("replay", why=f"assertion={assertion_ids[0][:100]}")
        try:
            response = self.client.parse_authn_request_response(
                saml_response, BINDING_HTTP_POST, outstanding=_Outstanding(session))
        except Exception as error:  # pysaml2 raises many kinds, not one family
            raise InvalidResponse(_reason(error), why=f"{type(error).__name__}: {error}"[:300]) \
                from error
        if response is None or response.assertion is None:
            raise InvalidResponse("other", why="no verified assertion")
        assertion = response.assertion
        request = session.get(m.SamlRequest, response.in_response_to)
        next_page = request.next if request is not None else "/cases"
        if request is not None:
            session.delete(request)  # one answer per request
        expires = now + timedelta(minutes=REQUEST_MINUTES)
        if response.not_on_or_after:
            expires = datetime.fromtimestamp(response.not_on_or_after, UTC)
        session.execute(delete(m.SamlUsedAssertion).where(m.SamlUsedAssertion.expires_at < now))
        session.add(m.SamlUsedAssertion(id=assertion.id, expires_at=expires))
        session.commit()
        name_id = response.name_id
        subject = name_id.text.strip() if name_id is not None and name_id.text else ""
        attributes = {k: [str(v) for v in vs] for k, vs in response.get_identity().items()}
        indexes = [s.session_index for s in assertion.authn_statement if s.session_index]
        return Assertion(issuer=issuer, subject=subject, attributes=attributes, next=next_page,
                         name_id=code(name_id) if name_id is not None else "",
                         session_index=indexes[0] if indexes else "")

    # --- single logout -------------------------------------------------------------------

    def logout_location(self, issuer: str) -> str | None:
        """The IdP's SingleLogoutService for the HTTP-Redirect binding, if it has one."""
        if issuer not in self.idp_entity_ids():
            return None
        try:
            services = self.client.metadata.single_logout_service(
                issuer, BINDING_HTTP_REDIRECT, "idpsso")
        except UnsupportedBinding:  # no SingleLogoutService with this binding
            return None
        return next(iter(locations(services)), None)

    def start_logout(self, session: Session, issuer: str, name_id: str, session_index: str,
                     subject: str) -> str | None:
        """A LogoutRequest for this login, remembered; returns the IdP address to send the
        browser to, or None when the IdP has no single logout (then logout is local only)."""
        destination = self.logout_location(issuer)
        if destination is None or not name_id:
            return None
        sign = bool(self.settings.saml_sp_key_file and self.settings.saml_sp_cert_file)
        request_id, request = self.client.create_logout_request(
            destination, issuer, name_id=decode(name_id), reason="urn:oasis:names:tc:SAML:2.0:"
            "logout:user", session_indexes=[session_index] if session_index else None,
            sign=False)
        info = self.client.apply_binding(BINDING_HTTP_REDIRECT, str(request), destination,
                                         relay_state="", sign=sign, sigalg=SIG_RSA_SHA256)
        now = datetime.now(UTC)
        session.execute(delete(m.SamlRequest).where(m.SamlRequest.expires_at < now))
        session.add(m.SamlRequest(id=request_id, next=f"{LOGOUT}{subject}"[:2000],
                                  expires_at=now + timedelta(minutes=REQUEST_MINUTES)))
        session.commit()
        location: str = dict(info["headers"])["Location"]
        return location

    def finish_logout(self, session: Session, saml_response: str, relay_state: str | None,
                      sigalg: str | None, signature: str | None) -> str:
        """Check the IdP's LogoutResponse to our LogoutRequest; returns the subject.

        Raises
        ------
        InvalidLogout
            unsigned, signature, issuer, state (not an answer we wait for), status (the IdP
            could not log out: pysaml2 refuses such an answer before any other check, so
            nothing is known about it), other.
        """
        try:
            response = self.client.parse_logout_request_response(
                saml_response, BINDING_HTTP_REDIRECT)
        except StatusError as error:  # pysaml2 raises for any status but Success
            raise InvalidLogout("status", why=f"{type(error).__name__}: {error}"[:300]) \
                from error
        except Exception as error:  # pysaml2 raises many kinds, not one family
            raise InvalidLogout("other", why=f"{type(error).__name__}: {error}"[:300]) \
                from error
        if response is None:
            raise InvalidLogout("other", why="not a LogoutResponse for us")
        self._signed_by_idp(response.issuer(), "SAMLResponse", saml_response, relay_state,
                            sigalg, signature)
        row = session.get(m.SamlRequest, response.in_response_to or "")
        if row is None or not row.next.startswith(LOGOUT) or \
                _aware(row.expires_at) < datetime.now(UTC):
            raise InvalidLogout("state", why=f"in_response_to={response.in_response_to}"[:300])
        subject = row.next.removeprefix(LOGOUT)
        session.delete(row)  # one answer per request
        session.commit()
        return subject

    def receive_logout(self, session: Session, saml_request: str, relay_state: str | None,
                       sigalg: str | None, signature: str | None) -> IdpLogout:
        """Check a LogoutRequest from the IdP and use it up.

        Raises
        ------
        InvalidLogout
            unsigned, signature, issuer, replay, other.
        """
        try:
            request = self.client.parse_logout_request(saml_request, BINDING_HTTP_REDIRECT)
        except Exception as error:
            raise InvalidLogout("other", why=f"{type(error).__name__}: {error}"[:300]) \
                from error
        message = request.message if request is not None else None
        if not isinstance(message, LogoutRequest) or message.name_id is None:
            raise InvalidLogout("other", why="not a LogoutRequest with a NameID")
        issuer = message.issuer.text.strip() if message.issuer is not None and \
            message.issuer.text else ""
        self._signed_by_idp(issuer, "SAMLRequest", saml_request, relay_state, sigalg, signature)
        now = datetime.now(UTC)
        if session.get(m.SamlUsedAssertion, message.id) is not None:
            raise InvalidLogout("replay", why=f"request={message.id}"[:300])
        session.execute(delete(m.SamlUsedAssertion).where(m.SamlUsedAssertion.expires_at < now))
        session.add(m.SamlUsedAssertion(id=message.id, expires_at=now + LOGOUT_KEEP))
        session.commit()
        indexes = [i.text for i in message.session_index if isinstance(i, SessionIndex) and i.text]
        return IdpLogout(issuer=issuer, subject=(message.name_id.text or "").strip(),
                         session_indexes=indexes, message=message, relay_state=relay_state or "")

    def answer_logout(self, logout: IdpLogout, known: bool) -> str:
        """The signed LogoutResponse to the IdP's request, as the address to send the browser
        to: success, or UnknownPrincipal when nobody here has that NameID."""
        status = success_status_factory() if known else status_message_factory(
            "Unknown principal", STATUS_UNKNOWN_PRINCIPAL)
        response = self.client.create_logout_response(
            logout.message, bindings=[BINDING_HTTP_REDIRECT], status=status, sign=False)
        destination = self.client.response_args(logout.message, [BINDING_HTTP_REDIRECT])
        sign = bool(self.settings.saml_sp_key_file and self.settings.saml_sp_cert_file)
        info = self.client.apply_binding(BINDING_HTTP_REDIRECT, str(response),
                                         destination["destination"], logout.relay_state,
                                         response=True, sign=sign, sigalg=SIG_RSA_SHA256)
        location: str = dict(info["headers"])["Location"]
        return location

    def _signed_by_idp(self, issuer: str, kind: str, value: str, relay_state: str | None,
                       sigalg: str | None, signature: str | None) -> None:
        """The HTTP-Redirect signature (over the query) of one of the configured IdPs."""
        if issuer not in self.idp_entity_ids():
            raise InvalidLogout("issuer", why=f"issuer={issuer[:100]}")
        if not sigalg or not signature:
            raise InvalidLogout("unsigned", why=f"issuer={issuer[:100]}")
        signed = {kind: value, "SigAlg": sigalg, "Signature": signature}
        if relay_state:
            signed["RelayState"] = relay_state
        try:
            certificates = self.client.metadata.certs(issuer, "idpsso", "signing")
            valid = any(verify_redirect_signature(signed, self.client.sec.sec_backend, cert)
                        for _name, cert in certificates)
        except Exception as error:  # a bad algorithm, a mangled signature
            raise InvalidLogout("signature", why=f"{type(error).__name__}: {error}"[:300]) \
                from error
        if not valid:
            raise InvalidLogout("signature", why=f"issuer={issuer[:100]}")


def _peek(saml_response: str) -> tuple[str, list[str], list[datetime]]:
    """Issuer, assertion ids and NotOnOrAfter times, read before any check: used only to
    refuse early, with a telling reason; the verified checks follow in pysaml2."""
    try:
        root = ElementTree.fromstring(base64.b64decode(saml_response, validate=False))
    except (binascii.Error, ValueError, ElementTree.ParseError) as error:
        raise InvalidResponse("other", why="not a SAML response") from error
    issuer = root.findtext("saml:Issuer", default="", namespaces=NS).strip()
    assertions = root.findall("saml:Assertion", NS)
    if not issuer and assertions:
        issuer = assertions[0].findtext("saml:Issuer", default="", namespaces=NS).strip()
    ends = []
    for assertion in assertions:
        for node in assertion.iter():
            if node.get("NotOnOrAfter"):
                try:
                    ends.append(datetime.fromisoformat(node.get("NotOnOrAfter")
                                                       .replace("Z", "+00:00")))
                except ValueError as error:
                    raise InvalidResponse("other", why="bad NotOnOrAfter") from error
    return issuer, [a.get("ID", "") for a in assertions if a.get("ID")], \
        [e if e.tzinfo else e.replace(tzinfo=UTC) for e in ends]


def _reason(error: Exception) -> str:
    """Which check a pysaml2 error stands for (see ``InvalidResponse.REASONS``)."""
    name, text = type(error).__name__, str(error).lower()
    if "signature missing" in text or "not signed" in text:
        return "unsigned"
    if "signature" in name.lower() or "signed" in name.lower() or "signature" in text:
        return "signature"
    if name in ("ResponseLifetimeExceed", "ToEarly") or "lifetime" in text:
        return "expired"
    if "condition not ok" in text or "audience" in text:
        return "audience"
    if name == "UnsolicitedResponse" or "unsolicited" in text or "in_response_to" in text:
        return "state"
    if "recipient" in text or "destination" in text:
        return "audience"
    return "other"
