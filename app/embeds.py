"""Embed links: a read-only live envelope another site can show in an iframe.

A link is a random secret (kept only as a hash), bound to one case, expiring,
revocable, and pseudonymised unless asked otherwise, since it leaves the team.
Every view is audited under the link's own name, once per viewer session, with how
long it lasted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import cases, live
from app import models as m
from app.audit import audit
from app.auth import Principal
from app.config import Settings
from app.errors import N_, NotFound, ServiceError
from app.graph.document import GraphDocument
from app.graph.pseudonym import pseudonymise
from app.graph.text import TEXT_CODES, text_problem
from app.graph.words import DANISH, Words
from app.security import hash_token, new_secret


class LinkGone(ServiceError):
    status = 410
    code = "embed_gone"
    message = N_("Linket er udløbet eller trukket tilbage.")


class BadLink(ServiceError):
    status = 422
    code = "invalid_embed"


@dataclass(frozen=True)
class NewLink:
    link: m.EmbedLink
    token: str  # shown once


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def create_link(session: Session, who: Principal, case_id: int, days: int, max_days: int,
                note: str | None, pseudonymised: bool) -> NewLink:
    case = cases.read_case(session, who, case_id, "read")
    cases.require_write(who, case.team_id)
    if not 1 <= days <= max_days:
        raise BadLink(N_("Et link kan leve fra 1 til %(n)s dage."), params={"n": max_days})
    if note and len(note) > 200:
        raise BadLink(N_("Noten må højst være 200 tegn."))
    if note and (code := text_problem(note)) is not None:  # NUL, invisible characters, a CPR
        raise BadLink(TEXT_CODES[code])
    token = new_secret()
    link = m.EmbedLink(case_id=case.id, token_hash=hash_token(token), note=note or None,
                       pseudonymised=pseudonymised, created_by=who.name,
                       expires_at=datetime.now(UTC) + timedelta(days=days))
    session.add(link)
    audit(session, who, "embed_created", case_id=case.id, team_id=case.team_id,
                detail=f"days={days} pseudonymised={pseudonymised}")
    session.commit()
    return NewLink(link, token)


def list_links(session: Session, who: Principal, case_id: int) -> list[m.EmbedLink]:
    case = cases.read_case(session, who, case_id, "read")
    return list(session.scalars(
        select(m.EmbedLink).where(m.EmbedLink.case_id == case.id).order_by(m.EmbedLink.id)))


def revoke_link(session: Session, who: Principal, case_id: int, link_id: int) -> None:
    case = cases.read_case(session, who, case_id, "read")
    cases.require_write(who, case.team_id)
    link = session.get(m.EmbedLink, link_id)
    if link is None or link.case_id != case.id:
        raise NotFound(N_("Linket findes ikke."))
    if link.revoked_at is None:
        link.revoked_at = datetime.now(UTC)
    audit(session, who, "embed_revoked", case_id=case.id, team_id=case.team_id,
                detail=f"embed={link.id}")
    live.end_streams(session, "revoked", embed_id=link.id)
    session.commit()


@dataclass(frozen=True)
class Embedded:
    link: m.EmbedLink
    case: m.Case
    doc: GraphDocument


def open_link(session: Session, token: str, action: str | None = "read",
              words: Words = DANISH) -> Embedded:
    """The case behind a link, as the link may show it; unknown 404, expired/revoked 410.

    The use is audited as ``action``; None when it is part of a view already audited.
    A pseudonymised case's role names are said with ``words`` (the viewer's language).
    """
    link = session.scalar(select(m.EmbedLink).where(m.EmbedLink.token_hash == hash_token(token)))
    if link is None:
        raise NotFound(N_("Linket findes ikke."))
    if link.revoked_at is not None or _aware(link.expires_at) <= datetime.now(UTC):
        raise LinkGone()
    case = session.get(m.Case, link.case_id)
    if case is None:
        raise NotFound(N_("Linket findes ikke."))
    if action is not None:
        audit(session, _viewer(link), action, case_id=case.id, team_id=case.team_id)
        session.commit()
    doc = cases.document_of(case)
    return Embedded(link, case, pseudonymise(doc, words=words) if link.pseudonymised else doc)


def _viewer(link: m.EmbedLink) -> Principal:
    return Principal(name=f"embed:{link.id}", team_ids=frozenset(), channel="embed")


# --- one audit entry per viewer session -------------------------------------------------
#
# A viewer's page load is one "embed_view" entry. The page carries a signed reference to
# it ("view"); the envelope fetched again on each change and the live stream name it and
# write nothing more, and when the stream ends the entry gets the view's duration. The
# citizen's access report thus shows one line per view, not one per 15 seconds.

_PROCESS_KEY = secrets.token_bytes(32)  # without KUVERT_SECRET_KEY: this process only


def _key(settings: Settings) -> bytes:
    return settings.secret_key.encode() if settings.secret_key else _PROCESS_KEY


def _signature(settings: Settings, link_id: int, entry_id: int) -> str:
    return hmac.new(_key(settings), f"embed-view:{link_id}:{entry_id}".encode(),
                    hashlib.sha256).hexdigest()[:24]


def start_view(session: Session, shown: Embedded) -> m.AuditEntry:
    """Audit one view of an embed; its duration is added when the view ends."""
    entry = audit(session, _viewer(shown.link), "embed_view", case_id=shown.case.id,
                        team_id=shown.case.team_id)
    session.commit()
    return entry


def view_token(settings: Settings, link_id: int, entry_id: int) -> str:
    return f"{entry_id}.{_signature(settings, link_id, entry_id)}"


def check_view(settings: Settings, link_id: int, view: str) -> int | None:
    """The audit entry a view reference names, if this server signed it for this link."""
    entry, _sep, signature = view.partition(".")
    if not entry.isdigit() or len(entry) > 12:
        return None
    if not hmac.compare_digest(signature, _signature(settings, link_id, int(entry))):
        return None
    return int(entry)


def end_view(session: Session, link_id: int, entry_id: int, seconds: int) -> None:
    """Note how long a view lasted: the one change ever made to an audit entry, and only
    to an embed view's own entry (from the page load to the end of its last stream)."""
    entry = session.get(m.AuditEntry, entry_id)
    if entry is None or entry.action != "embed_view" or entry.principal != f"embed:{link_id}":
        return
    started = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    lasted = max(seconds, round((datetime.now(UTC) - started).total_seconds()))
    entry.detail = f"duration={lasted}"
    session.commit()
