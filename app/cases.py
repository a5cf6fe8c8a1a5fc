"""The case service: reading, searching and changing cases, their history and versions,
and the batch recount (:func:`recount_all`).

Every change to a case's network follows one path (:func:`_change`): check access and the
version the caller saw, build the new graph document, validate it as a whole with the
Kuvertmodel's own rules, store it, write one event, write one audit entry, commit.
Anything refused on the way leaves the database as it was. This is the only module that
writes events (``kuvert import`` and ``populate`` load them in bulk).

It is not the only one that commits: every service commits its own work (accounts,
admin, case_filters, embeds, retention, sessions, snapshots, sso, transfer, …), while
routes and the HTTP glue (``app.routes``, ``app.web``) never do. Other modules read
cases too: the API's hot reads (``app.reads``) and retention's purge of closed cases
(``app.retention``). The audit log is :mod:`app.audit`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, bindparam, cast, delete, func, insert, select, update
from sqlalchemy.orm import Session, object_session

from app import edits, live, read_audit
from app import models as m
from app.audit import audit, forget_case
from app.auth import SYSTEM, Principal
from app.edits import Edit, Message, Summary
from app.errors import N_, Conflict, Forbidden, NotFound, StaleVersion, VersionRequired
from app.graph import edit as graph_edit
from app.graph.classify import counts, normalise
from app.graph.document import GraphDocument, parse_document
from app.graph.errors import DocumentInvalid, Problem
from app.schemas import CasePatch, CasePublic, Consent, EventPublic, History

Doc = dict[str, Any]


@dataclass(frozen=True)
class Expected:
    """The version a write claims to build on, and whether it came as If-Match."""

    version: int | None
    via_header: bool = False


# --- documents <-> rows ----------------------------------------------------------------


def _stored(session: Session, case_id: int, version: int) -> Doc:
    """The document as it stood at ``version``, from the event that made it.

    One immutable row: a reader never sees half of one version and half of the next,
    which several reads of the network's rows could while someone writes.
    """
    document = session.scalar(select(m.Event.document).where(
        m.Event.case_id == case_id, m.Event.version == version))
    if document is None:
        raise NotFound()
    copied: Doc = graph_edit.clone(document)
    return copied


def document_of(case: m.Case) -> GraphDocument:
    """The graph document of ``case`` at the version the case row says it is at."""
    session = object_session(case)
    if session is None:
        raise RuntimeError("document_of needs a case that belongs to a session")
    return GraphDocument.model_validate(_stored(session, case.id, case.version))


def document_at_version(session: Session, case_id: int, version: int) -> GraphDocument:
    """The validated document of ``case_id`` at ``version`` (no access check: the caller
    has made it, see app/reads.py)."""
    return GraphDocument.model_validate(_stored(session, case_id, version))


def rows_document(case: m.Case) -> Doc:
    """The document rebuilt from the case's rows; checks use it to prove the rows agree
    with the history (the app itself reads documents from the history)."""
    actor_fields = ("key", "kind", "label", "profession", "sector", "organisation",
                    "panel", "ring", "contribution", "contact")
    return {
        "label": case.label,
        "target_group": case.target_group,
        "actors": [
            {f: getattr(a, f) for f in actor_fields if getattr(a, f) is not None}
            for a in case.actors
        ],
        "couplings": [
            {
                "source": c.source.key, "target": c.target.key, "state": c.state,
                **({"topic": c.topic} if c.topic is not None else {}),
                "agreements": [
                    {"who": g.who.key, "what": g.what,
                     **({"due": g.due.isoformat()} if g.due else {})}
                    for g in c.agreements
                ],
            }
            for c in case.couplings
        ],
        **({"coordinator": case.coordinator_key} if case.coordinator_key else {}),
    }


def dump(doc: GraphDocument) -> Doc:
    """The JSON form of a document: unset optional fields are left out."""
    return doc.model_dump(mode="json", exclude_none=True)


def _store(session: Session, case: m.Case, doc: GraphDocument) -> None:
    """Replace the case's network rows by ``doc`` (the database cascades the rest)."""
    session.execute(delete(m.Actor).where(m.Actor.case_id == case.id))
    session.expire(case, ["actors", "couplings"])
    case.label = doc.label
    case.label_folded = normalise(doc.label)
    case.target_group = doc.target_group
    case.coordinator_key = doc.coordinator
    case.profession_count, case.sector_count = counts(doc.actors)
    # Three bulk inserts (ids back in order) instead of one ORM object per row: the
    # unit of work was a quarter of an edit's time at 30 actors. Into the tables, not
    # the mapped classes: the ORM's bulk path was still half of the inserts' time.
    tables = m.Actor.metadata.tables
    actors, couplings = tables[m.Actor.__tablename__], tables[m.Coupling.__tablename__]
    actor_ids = dict(zip((a.key for a in doc.actors), session.scalars(
        insert(actors).returning(actors.c.id, sort_by_parameter_order=True),
        [{"case_id": case.id, "position": i, **a.model_dump()}
         for i, a in enumerate(doc.actors)]), strict=True))
    if not doc.couplings:
        return
    coupling_ids = session.scalars(
        insert(couplings).returning(couplings.c.id, sort_by_parameter_order=True),
        [{"case_id": case.id, "position": i, "source_id": actor_ids[c.source],
          "target_id": actor_ids[c.target], "state": c.state, "topic": c.topic}
         for i, c in enumerate(doc.couplings)]).all()
    agreements = [{"coupling_id": coupling_id, "position": j, "who_id": actor_ids[g.who],
                   "what": g.what, "due": g.due}
                  for coupling_id, c in zip(coupling_ids, doc.couplings, strict=True)
                  for j, g in enumerate(c.agreements)]
    if agreements:
        session.execute(insert(tables[m.Agreement.__tablename__]), agreements)


# --- reading ---------------------------------------------------------------------------


def _load(session: Session, who: Principal, case_id: int) -> m.Case:
    case = session.get(m.Case, case_id)
    if case is None or not who.sees(case.team_id):
        raise NotFound()
    return case


def read_case(session: Session, who: Principal, case_id: int, action: str = "read") -> m.Case:
    """Load a case the principal may see, and note the read in the audit log."""
    case = _load(session, who, case_id)
    audit(session, who, action, case_id=case.id, team_id=case.team_id)
    session.commit()
    return case


#: Hands a read's audit row to the group-commit writer and returns once it is committed
#: (:meth:`app.read_audit.ReadAudit.record_sync`); without one, the read commits its own.
AuditedBy = Callable[[dict[str, Any]], None]


def read_document(
    session: Session, who: Principal, case_id: int, action: str = "read",
    audited: AuditedBy | None = None,
) -> tuple[m.Case, GraphDocument]:
    """The case the principal may see and its document, once the read is in the audit log."""
    case, stored = read_stored(session, who, case_id, action, audited)
    return case, GraphDocument.model_validate_json(stored)


def read_stored(
    session: Session, who: Principal, case_id: int, action: str = "read",
    audited: AuditedBy | None = None,
) -> tuple[m.Case, str]:
    """The case the principal may see and the JSON text of its document, once the read is
    in the audit log.

    One statement reads the case row and the text stored with its version: the history
    row is the version's document as :func:`dump` wrote it from a validated one, so
    ``GraphDocument.model_validate_json`` takes it as it is. A page read hands its
    audit row to ``audited`` (group commit: many reads' rows in one transaction)
    instead of committing one of its own, which was a third of a case page's database
    time.
    """
    case, stored = _case_and_document(session, who, case_id)
    if audited is not None:
        audited(read_audit.row(who.name, who.channel, action, case.id, case.team_id))
    else:
        audit(session, who, action, case_id=case.id, team_id=case.team_id)
        session.commit()
    return case, stored


def _case_and_document(session: Session, who: Principal, case_id: int) -> tuple[m.Case, str]:
    found = session.execute(
        select(m.Case, cast(m.Event.document, Text))
        .join(m.Event, (m.Event.case_id == m.Case.id) & (m.Event.version == m.Case.version))
        .where(m.Case.id == case_id)
    ).one_or_none()
    if found is None or not who.sees(found[0].team_id):
        raise NotFound()
    case, document = found
    return case, document


def public(session: Session, case: m.Case) -> CasePublic:
    return publics(session, [case])[0]


def publics(session: Session, shown: list[m.Case]) -> list[CasePublic]:
    """The API's view of ``shown``, with their actors and couplings counted in two
    queries for the whole page, not two per case."""
    ids = [case.id for case in shown]
    actors = {case_id: n for case_id, n in session.execute(
        select(m.Actor.case_id, func.count()).where(m.Actor.case_id.in_(ids))
        .group_by(m.Actor.case_id))}
    couplings = {case_id: n for case_id, n in session.execute(
        select(m.Coupling.case_id, func.count()).where(m.Coupling.case_id.in_(ids))
        .group_by(m.Coupling.case_id))}
    return [CasePublic(
        id=case.id, label=case.label, target_group=case.target_group,
        external_ref=case.external_ref, status=case.status,
        version=case.version,
        consent=Consent(given=case.consent_given, date=case.consent_date,
                        scope=case.consent_scope),
        actors=actors.get(case.id, 0), couplings=couplings.get(case.id, 0),
        created_at=case.created_at, updated_at=case.updated_at,
    ) for case in shown]


def visible_cases(who: Principal, q: str | None) -> Select[m.Case]:
    """The principal's teams' cases whose label contains ``q`` or whose reference is ``q``.

    ``q`` is folded like the stored label and its LIKE wildcards are escaped, so a
    search for "%" finds a label with a per cent sign, not every case.
    """
    query = select(m.Case).where(m.Case.team_id.in_(who.team_ids))
    if q and q.strip():
        folded = normalise(q)
        exact = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        # ILIKE without wildcards is "equal, ignoring case", and unlike lower(x) = q
        # PostgreSQL's trigram index serves it, so the OR needs no full scan.
        query = query.where(
            m.Case.label_folded.like(f"%{exact}%", escape="\\")
            | m.Case.external_ref.ilike(exact, escape="\\")
        )
    return query


def page_of(session: Session, query: Select[m.Case], offset: int,
            limit: int) -> tuple[list[m.Case], int]:
    """One page of ``query``'s cases, most recently changed first, and how many match.

    The page's ids and the number of matches come from one pass over the covering
    index ``ix_cases_search`` (``count(*) OVER ()``); only the page's rows are then
    read. A separate count query looked at every candidate a second time: with
    100,000 cases in view that was half of the search's time (docs/performance.md).
    """
    order = (m.Case.updated_at.desc(), m.Case.id.desc())
    found = session.execute(
        query.with_only_columns(m.Case.id, func.count().over())
        .order_by(*order).offset(offset).limit(limit)
    ).all()
    if found:
        total = found[0][1]
    elif offset == 0:
        total = 0
    else:  # a page past the end: the count needs its own query
        total = session.scalar(
            query.with_only_columns(func.count(), maintain_column_froms=True)) or 0
    ids = [row[0] for row in found]
    rows = list(session.scalars(select(m.Case).where(m.Case.id.in_(ids)).order_by(*order)))
    return rows, total


def search_cases(
    session: Session, who: Principal, q: str | None, offset: int, limit: int
) -> tuple[list[m.Case], int]:
    """Cases of the principal's teams whose label or external reference matches ``q``."""
    rows, total = page_of(session, visible_cases(who, q), offset, limit)
    audit(session, who, "search", detail=f"q={q!r} offset={offset} limit={limit}", term=q,
          team_id=min(who.team_ids) if len(who.team_ids) == 1 else None)
    session.commit()
    return rows, total


def recount_all(session: Session, batch: int = 1000,
                progress: Callable[[int], object] | None = None) -> int:
    """Count every case's distinct professions and sectors again; returns how many changed.

    Needed only when the counting itself changes (say, :func:`normalise`), or after
    rows were written past this module; a threshold change needs nothing, as the
    prototype is worked out from the counts at query time. Streams the cases by id,
    ``batch`` at a time, each batch one transaction: an interrupted run keeps the
    batches it finished and can simply be run again.
    """
    last, changed = 0, 0
    while True:
        found = session.execute(
            select(m.Case.id, m.Case.profession_count, m.Case.sector_count)
            .where(m.Case.id > last).order_by(m.Case.id).limit(batch)
        ).all()
        if not found:
            break
        first, last = found[0].id, found[-1].id
        actors: dict[int, list[Any]] = {row.id: [] for row in found}
        for actor in session.execute(
            select(m.Actor.case_id, m.Actor.kind, m.Actor.profession, m.Actor.sector)
            .where(m.Actor.case_id.between(first, last))
        ):
            actors[actor.case_id].append(actor)
        stale = []
        for row in found:
            professions, sectors = counts(actors[row.id])
            if (professions, sectors) != (row.profession_count, row.sector_count):
                stale.append({"case": row.id, "professions": professions, "sectors": sectors})
        if stale:
            table = m.Case.metadata.tables["cases"]
            session.execute(
                update(table).where(table.c.id == bindparam("case"))
                .values(profession_count=bindparam("professions"),
                        sector_count=bindparam("sectors")),
                stale,
            )
        session.commit()
        changed += len(stale)
        if progress is not None:
            progress(len(found))
    audit(session, SYSTEM, "reclassify", detail=f"{changed} forløb talt om")
    session.commit()
    return changed


def event_public(event: m.Event, gettext: Callable[[str], str | None]) -> EventPublic:
    """One event as the API and the history page show it, said with ``gettext``."""
    return EventPublic(version=event.version, at=event.at, by=event.principal,
                       kind=event.kind, summary=edits.summary_of(event, gettext))


def history(session: Session, who: Principal, case_id: int,
            gettext: Callable[[str], str | None] = edits.in_danish) -> History:
    """Every change to the case, oldest first, its summaries said with ``gettext``
    (the caller's language; Danish unless it says otherwise)."""
    case = read_case(session, who, case_id, "read_history")
    events = session.scalars(
        select(m.Event).where(m.Event.case_id == case.id).order_by(m.Event.version)
    )
    return History(case_id=case.id, version=case.version,
                   events=[event_public(e, gettext) for e in events])


def document_at(
    session: Session, who: Principal, case_id: int, version: int
) -> tuple[GraphDocument, datetime]:
    """The network as it stood at ``version`` (from the event that made it), and when."""
    case = read_case(session, who, case_id, "read_history")
    event = session.scalar(
        select(m.Event).where(m.Event.case_id == case.id, m.Event.version == version)
    )
    if event is None:
        raise NotFound(N_("Borgerforløbet har ingen udgave %(n)s."), params={"n": version})
    return GraphDocument.model_validate(event.document), event.at


# --- changing --------------------------------------------------------------------------


def require_write(who: Principal, team_id: int) -> None:
    """Rights are decided per team: the team of the case, or of the case to be made."""
    if not who.can_write_in(team_id):
        raise Forbidden(N_("Din adgang giver kun lov til at læse."))


def team_for_new_case(who: Principal, team_id: int | None) -> int:
    """The team a new case goes to: the one asked for, or the only one the principal
    writes in. Someone who writes in several teams must say which (422); someone who
    writes in none may not create cases (403)."""
    if team_id is not None:
        return team_id
    writable = sorted(who.write_team_ids & who.team_ids)
    if len(writable) == 1:
        return writable[0]
    if not writable:
        raise Forbidden(N_("Din adgang giver kun lov til at læse."))
    raise DocumentInvalid([Problem("team_id", "missing",
                                   N_("Vælg hvilket team borgerforløbet hører til."))])


def create_case(session: Session, who: Principal, team_id: int, doc: GraphDocument) -> m.Case:
    if not who.sees(team_id):
        raise Forbidden(N_("Du kan kun oprette borgerforløb i dit eget team."))
    if not who.can_write_in(team_id):
        raise Forbidden(N_("Din adgang giver kun lov til at læse borgerforløb i det team."))
    case = m.Case(team_id=team_id, label=doc.label, label_folded=normalise(doc.label),
                  target_group=doc.target_group, version=1)
    session.add(case)
    session.flush()
    _store(session, case, doc)
    _event(session, who, case, "created", edits.case_created(doc.label), doc)
    audit(session, who, "create", case_id=case.id, team_id=team_id)
    session.commit()
    return case


def _event(
    session: Session, who: Principal, case: m.Case, kind: str, summary: Message,
    doc: GraphDocument,
) -> None:
    """The history's row of the version just made: the summary as Danish words and as
    the message that says it in another language."""
    session.add(m.Event(case_id=case.id, version=case.version, principal=who.name,
                        kind=kind, summary=summary.danish[:m.LONG],
                        summary_message=summary.as_json(), document=dump(doc)))


def _bump(session: Session, case: m.Case, expected: Expected) -> None:
    """Claim the next version, atomically: a concurrent writer makes this fail, not win."""
    if expected.version is None:
        raise VersionRequired()
    claimed = session.execute(
        update(m.Case)
        .where(m.Case.id == case.id, m.Case.version == expected.version)
        .values(version=m.Case.version + 1, updated_at=m.utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        current = session.scalar(select(m.Case.version).where(m.Case.id == case.id)) or 0
        raise StaleVersion(current, expected.version, expected.via_header)
    session.refresh(case)


def _change(
    session: Session,
    who: Principal,
    case_id: int,
    expected: Expected,
    kind: str,
    summary: Summary,
    edit: Callable[[Doc], Doc],
    also: Callable[[m.Case], None] | None = None,
) -> tuple[m.Case, GraphDocument]:
    """The one way a case changes; see the module docstring.

    ``also`` changes the case row's own facts in the same transaction. An edit that
    changes nothing writes no version and no event, only an audit entry saying so.
    """
    case = _load(session, who, case_id)
    require_write(who, case.team_id)
    if expected.version is None:
        raise VersionRequired()
    try:
        current = session.scalar(select(m.Case.version).where(m.Case.id == case.id)) or 0
        if current != expected.version:
            raise StaleVersion(current, expected.version, expected.via_header)
        before = _stored(session, case.id, expected.version)
        try:
            new = parse_document(edit(graph_edit.clone(before)))
        except graph_edit.NoSuchPart as exc:
            raise NotFound(exc.template, params=exc.params) from exc
        except graph_edit.EditRefused as exc:
            raise Conflict(exc.template, params=exc.params) from exc
        if also is None and dump(new) == before:
            audit(session, who, "update", case_id=case.id, team_id=case.team_id,
                  detail=f"{kind}: intet ændret")
            session.commit()
            return case, new
        # Claim the version: a concurrent writer makes this fail, not win, so the
        # document built above is exactly the one at the version the caller saw.
        _bump(session, case, expected)
        _store(session, case, new)
        if also is not None:
            also(case)
        said = summary if isinstance(summary, Message) else summary(before, dump(new))
        _event(session, who, case, kind, said, new)
        audit(session, who, "update", case_id=case.id, team_id=case.team_id, detail=kind)
        live.announce_in_transaction(session, case.id, case.version)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    live.announce_committed(case.id, case.version)
    return case, new


def apply_edit(
    session: Session, who: Principal, case_id: int, expected: Expected, edit: Edit
) -> tuple[m.Case, GraphDocument]:
    """Apply one user action: one version, one event, one audit entry (none if no-op)."""
    return _change(session, who, case_id, expected, edit.kind, edit.summary, edit.change)


def change_document(
    session: Session, who: Principal, case_id: int, expected: Expected, kind: str,
    summary: Summary, edit: Callable[[Doc], Doc],
) -> tuple[m.Case, GraphDocument]:
    """Any edit of the network as a document (the web forms use this for small changes)."""
    return _change(session, who, case_id, expected, kind, summary, edit)


def undo(
    session: Session, who: Principal, case_id: int, expected: Expected
) -> tuple[m.Case, GraphDocument]:
    """Bring back the network as it was before the last change, as a new change.

    Nothing is erased: the undone change stays in the history, and can itself be undone.
    """
    case = _load(session, who, case_id)
    require_write(who, case.team_id)
    if case.version <= 1:
        raise Conflict(N_("Der er ingen ændring at fortryde."))
    last, before = session.scalars(
        select(m.Event).where(m.Event.case_id == case.id).order_by(m.Event.version.desc())
        .limit(2)
    ).all()
    return _change(session, who, case_id, expected, "undone", edits.undo_summary(last),
                   lambda _doc: graph_edit.clone(before.document))


def replace_graph(
    session: Session, who: Principal, case_id: int, expected: Expected, doc: GraphDocument
) -> tuple[m.Case, GraphDocument]:
    return _change(session, who, case_id, expected, "graph_replaced",
                   edits.graph_replaced(), lambda _old: dump(doc))


def update_case(
    session: Session, who: Principal, case_id: int, expected: Expected, patch: CasePatch
) -> m.Case:
    """Change the case's own facts; label and target group are part of the document too."""
    fields = patch.model_dump(exclude_unset=True, exclude={"version"})
    if not fields:
        raise DocumentInvalid([Problem("dokument", "empty_patch", N_("Der er intet at ændre."))])
    for name in ("label", "target_group", "status"):
        if name in fields and fields[name] is None:
            raise DocumentInvalid([Problem(name, "missing", N_("Feltet kan ikke fjernes."))])

    def edit(doc: Doc) -> Doc:
        for name in ("label", "target_group"):
            if name in fields:
                doc[name] = fields[name]
        return doc

    def facts(case: m.Case) -> None:
        if "external_ref" in fields:
            case.external_ref = fields["external_ref"]
        if "status" in fields:
            case.status = fields["status"]
        if "consent" in fields:
            consent = patch.consent or Consent()
            case.consent_given = consent.given
            case.consent_date = consent.date
            case.consent_scope = consent.scope

    case, _ = _change(session, who, case_id, expected, "case_updated",
                      edits.case_changed(list(fields)), edit, facts)
    return case


def delete_case(session: Session, who: Principal, case_id: int, expected: Expected) -> None:
    """Erase the case and all its data, history included; the audit log keeps the id."""
    case = _load(session, who, case_id)
    require_write(who, case.team_id)
    _bump(session, case, expected)
    forget_case(session, case)
    audit(session, who, "delete", case_id=case.id, team_id=case.team_id)
    session.execute(delete(m.Case).where(m.Case.id == case.id))
    live.announce_in_transaction(session, case.id, case.version)
    live.end_streams(session, "deleted", case_id=case.id, here=False)  # other processes
    session.commit()
    live.announce_committed(case.id, case.version)
    live.hub.end_case(case.id)


def add_actor(
    session: Session, who: Principal, case_id: int, expected: Expected, actor: dict[str, Any]
) -> tuple[m.Case, GraphDocument]:
    return apply_edit(session, who, case_id, expected, edits.add_actor(actor))


def update_actor(
    session: Session, who: Principal, case_id: int, expected: Expected, key: str,
    fields: dict[str, Any],
) -> tuple[m.Case, GraphDocument]:
    return apply_edit(session, who, case_id, expected, edits.change_actor(key, fields))


def remove_actor(
    session: Session, who: Principal, case_id: int, expected: Expected, key: str
) -> tuple[m.Case, GraphDocument]:
    """Remove an actor with its couplings; if it coordinated, nobody does until one is named."""
    return apply_edit(session, who, case_id, expected, edits.remove_actor(key))


def add_coupling(
    session: Session, who: Principal, case_id: int, expected: Expected,
    coupling: dict[str, Any],
) -> tuple[m.Case, GraphDocument]:
    return apply_edit(session, who, case_id, expected, edits.couple(coupling))


def update_coupling(
    session: Session, who: Principal, case_id: int, expected: Expected, a: str, b: str,
    fields: dict[str, Any],
) -> tuple[m.Case, GraphDocument]:
    return apply_edit(session, who, case_id, expected, edits.change_coupling(a, b, fields))


def remove_coupling(
    session: Session, who: Principal, case_id: int, expected: Expected, a: str, b: str
) -> tuple[m.Case, GraphDocument]:
    return apply_edit(session, who, case_id, expected, edits.uncouple(a, b))


def coupling_of(doc: GraphDocument, a: str, b: str) -> Doc:
    """One coupling of a document as JSON, found in either order."""
    try:
        return graph_edit.find_coupling(dump(doc), a, b)
    except graph_edit.NoSuchPart as exc:
        raise NotFound(exc.template, params=exc.params) from exc
