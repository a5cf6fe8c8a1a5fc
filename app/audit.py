"""The audit log: who used which case data, and what it may no longer tell.

Every service notes its work with :func:`audit` in the same transaction as the work, so
the entry commits or rolls back with it; :func:`forget_case` erases what entries could
tell about a deleted case's citizen.
"""

from __future__ import annotations

import re

from sqlalchemy import Text, bindparam, or_, select, update
from sqlalchemy.orm import Session

from app import models as m
from app.auth import Principal
from app.graph.classify import normalise

__all__ = ["ERASED", "audit", "forget_case"]


def audit(
    session: Session,
    who: Principal,
    action: str,
    *,
    case_id: int | None = None,
    team_id: int | None = None,
    detail: str | None = None,
    term: str | None = None,
) -> m.AuditEntry:
    """Note one use of case data; committed with the work it describes.

    ``term`` is a search's free text (also written in ``detail``): kept apart so that
    :func:`forget_case` can find and erase it when a case it could name is deleted.
    """
    term = normalise(term)[:m.SHORT] if term and term.strip() else None
    entry = m.AuditEntry(
        principal=who.name, team_id=team_id, case_id=case_id, action=action,
        channel=who.channel, detail=detail[:2000] if detail else None, term=term,
    )
    session.add(entry)
    return entry


ERASED = "«slettet med forløbet»"


def forget_case(session: Session, case: m.Case) -> int:
    """Erase what the audit log could tell about a deleted case's citizen; who, what
    and when stay (the right to a log of who used the data ends with the data).

    - the free text (``detail``: snapshot names, embed notes, what changed) of every
      entry attributed to the case;
    - the search text of every search in the case's team (or of no team) that the
      case would match: its folded label contains the term, or the term is its
      reference. The other criteria of those searches stay.

    Returns how many entries were changed; the caller commits with the deletion.
    """
    entries = m.AuditEntry
    changed = session.execute(
        update(entries).where(entries.case_id == case.id,
                              entries.detail.is_not(None) | entries.term.is_not(None))
        .values(detail=None, term=None).execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    # Every label the case has had: a search for its old name named the citizen too.
    labels = {case.label_folded} | {
        normalise(str(doc.get("label") or "")) for doc in session.scalars(
            select(m.Event.document).where(m.Event.case_id == case.id))}
    named = or_(*(bindparam(f"label_{i}", label, type_=Text).contains(entries.term)
                  for i, label in enumerate(sorted(labels)) if label))
    if case.external_ref:
        named = named | (entries.term == normalise(case.external_ref))
    searches = session.scalars(select(entries).where(
        entries.term.is_not(None), named,
        (entries.team_id == case.team_id) | entries.team_id.is_(None)))
    for entry in searches:
        if entry.detail:
            entry.detail = _without_term(entry.detail, entry.term or "")
        entry.term = None
        changed += 1
    return int(changed)


_FREE_TEXT = re.compile(r"""\b(q|principal|action)=('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def _without_term(detail: str, term: str) -> str:
    """The criteria a search was written with, its free text replaced by a marker."""
    text = _FREE_TEXT.sub(lambda match: f"{match.group(1)}={ERASED}", detail)
    return ERASED if term and term in normalise(text) else text
