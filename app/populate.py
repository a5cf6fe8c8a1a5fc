"""Fill a database with many realistic, pseudonymous cases, for benchmarks and load tests.

Most cases are prototype 1 (3-8 actors), about 30 % prototype 2 and about 10 %
prototype 3 with 30-80 actors and proportionally many couplings, spread over one
or a few teams, each with its version-1 event holding the document as the service
would write it. The same seed gives the same cases.

Rows go in with SQLAlchemy Core ``insert()`` and executemany, one transaction per
batch, with ids handed out here (so couplings can name their actors without a
round trip). An interrupted run keeps only whole batches: the batch in progress is
rolled back. Meant for a database of its own: ids are taken from ``max(id) + 1``,
so nobody else may write to the same tables while it runs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Engine, Table, func, select, text
from sqlalchemy.orm import Session

from app import accounts, edits
from app import models as m
from app.cases import dump
from app.db import Base
from app.graph.classify import classify, counts, normalise
from app.graph.document import COUPLING_STATES, GraphDocument

__all__ = ["BATCH", "Populated", "generate_document", "populate"]

BATCH = 500  # cases per transaction
PRINCIPAL = "system:populate"

PROFESSIONS = [
    "Socialrådgiver", "Sagsbehandler", "Koordinerende sagsbehandler", "Myndighedsrådgiver",
    "Jobkonsulent", "UU-vejleder", "Mentor", "Misbrugsbehandler", "Psykolog", "Psykiater",
    "Sundhedsplejerske", "Praktiserende læge", "Sygeplejerske", "Pædagog", "Lærer",
    "Kontaktperson", "Bostøtte", "Ydelsesrådgiver", "Fysioterapeut", "Ergoterapeut",
    "Familiebehandler", "Boligsocial medarbejder", "SSP-medarbejder", "Tandlæge",
]
SECTORS = ["beskæftigelse", "social", "sundhed", "uddannelse", "bolig", "civilsamfund",
           "privat netværk", "retsvæsen", "misbrug"]
ORGANISATIONS = [
    "Børn og Familier", "Unge, Uddannelse og Job", "Job og Uddannelse",
    "Job, Sundhed og Ydelse", "Socialpsykiatri og Udsatte Voksne", "Rusmiddelcenter Aarhus",
    "Sundhed og Omsorg", "Børn og Unge", "Jobcenter", "Frivillighedscenter", "Din Indgang",
    "Job og Familie", "Opgang til Opgang",
]
RELATIVES = ["Mor", "Far", "Søster", "Bror", "Moster", "Farmor", "Kæreste", "Nabo", "Ven"]
VOLUNTEERS = ["Frivillig i fodboldklubben", "Besøgsven", "Lektiecafé", "Netværksfamilie"]
TOPICS = ["Uddannelsesplan", "Bolig og ydelse", "Behandling og job", "Fælles plan (LAB § 30 b)",
          "Skolegang", "Økonomi", "Misbrug og bolig", "Opfølgning efter indlæggelse"]
TASKS = ["Indkalder til netværksmøde", "Sender status", "Følger op med borgeren",
         "Afklarer ydelse", "Aftaler praktik", "Finder bolig", "Deler plan med alle"]
TARGET_GROUPS = [("voksne", 4), ("unge", 3), ("boern", 2), ("familie", 1)]
PANEL_OF_KIND = {"professional": ("afdelinger", "organisationer"),
                 "organisation": ("organisationer",), "volunteer": ("civilsamfund",),
                 "network": ("netvaerk",)}


@dataclass
class Populated:
    """What a run did: cases written (whole batches only), and whether it was cut short."""

    cases: int = 0
    interrupted: bool = False
    by_prototype: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})


def _prototype(rng: random.Random) -> int:
    roll = rng.random()
    return 1 if roll < 0.6 else 2 if roll < 0.9 else 3


def _shape(rng: random.Random, prototype: int) -> tuple[int, int, int]:
    """How many actors besides the citizen, distinct professions and distinct sectors."""
    if prototype == 1:
        return rng.randint(2, 7), rng.randint(1, 2), rng.randint(1, 2)
    if prototype == 2:
        professions, sectors = rng.randint(3, 5), rng.randint(2, 4)
        if rng.random() < 0.3:  # level 2 through the sectors alone
            professions = rng.randint(1, 2)
            sectors = rng.randint(3, 4)
        return rng.randint(max(professions, sectors) + 1, 14), professions, sectors
    return rng.randint(29, 79), rng.randint(6, 14), rng.randint(3, 9)


def _label(rng: random.Random, group: str, number: int) -> tuple[str, str]:
    """The case's pseudonymous label and how the citizen is shown."""
    if group == "familie":
        return f"Familien {number}", "Familien"
    age = {"boern": (3, 14), "unge": (15, 29), "voksne": (30, 79)}[group]
    return f"Borger {number}, {rng.randint(*age)}", "Borger"


def generate_document(rng: random.Random, prototype: int, number: int) -> dict[str, Any]:
    """One case's graph document as JSON, of the prototype asked for.

    The dict is in the form :func:`app.cases.dump` gives (unset fields left out),
    so it can be stored as the version-1 event as it is.
    """
    group = rng.choices([g for g, _ in TARGET_GROUPS], [w for _, w in TARGET_GROUPS])[0]
    label, citizen = _label(rng, group, number)
    others, n_prof, n_sect = _shape(rng, prototype)
    professions = rng.sample(PROFESSIONS, n_prof)
    sectors = rng.sample(SECTORS, n_sect)
    actors: list[dict[str, Any]] = [{"key": "borger", "kind": "citizen", "label": citizen}]
    # Every chosen profession and sector appears at least once; the rest is drawn.
    firsts = max(n_prof, n_sect)
    for j in range(others):
        key = f"a{j + 1}"
        if j < firsts or rng.random() < 0.75:
            profession = professions[j] if j < n_prof else rng.choice(professions)
            sector = sectors[j] if j < n_sect else rng.choice(sectors)
            if rng.random() < 0.1:
                profession = profession.lower()  # typed by hand: counts as the same
            kind = "professional" if rng.random() < 0.85 else "organisation"
            actor: dict[str, Any] = {"key": key, "kind": kind, "label": profession,
                                     "profession": profession, "sector": sector}
            if rng.random() < 0.7:
                actor["organisation"] = rng.choice(ORGANISATIONS)
        else:
            kind = "network" if rng.random() < 0.7 else "volunteer"
            name = rng.choice(RELATIVES if kind == "network" else VOLUNTEERS)
            actor = {"key": key, "kind": kind, "label": name}
        actor["panel"] = rng.choice(PANEL_OF_KIND[kind])
        actor["ring"] = rng.randint(1, 3)
        if rng.random() < 0.3:
            actor["contribution"] = "Kan bidrage med " + rng.choice(TOPICS).lower()
        if rng.random() < 0.2:
            actor["contact"] = f"tlf. 89 40 {rng.randint(10, 99)} {rng.randint(10, 99)}"
        actors.append(actor)
    keys = [a["key"] for a in actors]
    wanted = min(round(len(actors) * rng.uniform(1.0, 2.5 if prototype == 3 else 1.5)),
                 len(keys) * (len(keys) - 1) // 2)
    seen: set[frozenset[str]] = set()
    couplings: list[dict[str, Any]] = []
    while len(couplings) < wanted:
        a, b = rng.sample(keys, 2)
        if frozenset((a, b)) in seen:
            continue
        seen.add(frozenset((a, b)))
        coupling: dict[str, Any] = {"source": a, "target": b,
                                    "state": rng.choice(COUPLING_STATES)}
        if rng.random() < 0.3:
            coupling["topic"] = rng.choice(TOPICS)
        agreements = []
        if rng.random() < 0.2:
            for _ in range(rng.randint(1, 2)):
                agreement: dict[str, Any] = {"who": rng.choice((a, b)),
                                             "what": rng.choice(TASKS)}
                if rng.random() < 0.5:
                    agreement["due"] = (date(2025, 1, 1) + timedelta(rng.randint(0, 700))
                                        ).isoformat()
                agreements.append(agreement)
        coupling["agreements"] = agreements
        couplings.append(coupling)
    doc: dict[str, Any] = {"label": label, "target_group": group, "actors": actors,
                           "couplings": couplings}
    coordinators = [a["key"] for a in actors if a["kind"] == "professional"]
    if coordinators and rng.random() < 0.7:
        doc["coordinator"] = rng.choice(coordinators)
    return doc


class _Fields(NamedTuple):
    kind: str
    profession: str | None
    sector: str | None


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[str(model.__tablename__)]


class _Ids:
    """The next free id of each table, read once: populate writes alone."""

    def __init__(self, session: Session) -> None:
        self.next: dict[type[Base], int] = {
            model: (session.scalar(select(func.max(_table(model).c.id))) or 0) + 1
            for model in (m.Case, m.Actor, m.Coupling, m.Agreement, m.Event, m.AuditEntry)
        }

    def take(self, model: type[Base]) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


def _rows(doc: dict[str, Any], case_id: int, team_id: int, ref: str | None, at: datetime,
          changed: datetime, ids: _Ids, out: dict[type[Base], list[dict[str, Any]]]) -> None:
    """The rows of one case, as :func:`app.cases.create_case` would have written them."""
    professions, sectors = counts(_Fields(a["kind"], a.get("profession"), a.get("sector"))
                                  for a in doc["actors"])
    out[m.Case].append({
        "id": case_id, "team_id": team_id, "label": doc["label"],
        "label_folded": normalise(doc["label"]), "target_group": doc["target_group"],
        "external_ref": ref, "coordinator_key": doc.get("coordinator"), "status": "open",
        "version": 1, "consent_given": False, "consent_date": None, "consent_scope": None,
        "created_at": at, "updated_at": changed,
        "profession_count": professions, "sector_count": sectors,
    })
    actor_ids: dict[str, int] = {}
    for i, actor in enumerate(doc["actors"]):
        actor_ids[actor["key"]] = ids.take(m.Actor)
        out[m.Actor].append({
            "id": actor_ids[actor["key"]], "case_id": case_id, "position": i,
            "key": actor["key"], "kind": actor["kind"], "label": actor["label"],
            **{f: actor.get(f) for f in ("profession", "sector", "organisation", "panel",
                                          "ring", "contribution", "contact")},
        })
    for i, coupling in enumerate(doc["couplings"]):
        coupling_id = ids.take(m.Coupling)
        out[m.Coupling].append({
            "id": coupling_id, "case_id": case_id, "position": i,
            "source_id": actor_ids[coupling["source"]],
            "target_id": actor_ids[coupling["target"]],
            "state": coupling["state"], "topic": coupling.get("topic"),
        })
        for j, agreement in enumerate(coupling["agreements"]):
            due = agreement.get("due")
            out[m.Agreement].append({
                "id": ids.take(m.Agreement), "coupling_id": coupling_id, "position": j,
                "who_id": actor_ids[agreement["who"]], "what": agreement["what"],
                "due": date.fromisoformat(due) if due else None,
            })
    created = edits.case_created(doc["label"])
    out[m.Event].append({
        "id": ids.take(m.Event), "case_id": case_id, "version": 1, "at": at,
        "principal": PRINCIPAL, "kind": "created",
        "summary": created.danish, "summary_message": created.as_json(), "document": doc,
    })
    out[m.AuditEntry].append({
        "id": ids.take(m.AuditEntry), "at": at, "principal": PRINCIPAL, "team_id": team_id,
        "case_id": case_id, "action": "create", "channel": "cli", "detail": None,
    })


def _batches(seed: int, cases: int, team_ids: Sequence[int], validate: bool,
             ) -> Iterator[list[tuple[int, int, dict[str, Any], str | None, datetime,
                                      datetime]]]:
    rng = random.Random(seed)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    batch: list[tuple[int, int, dict[str, Any], str | None, datetime, datetime]] = []
    for i in range(cases):
        prototype = _prototype(rng)
        doc = generate_document(rng, prototype, rng.randint(1000, 99999))
        if validate:
            parsed = GraphDocument.model_validate(doc)
            assert dump(parsed) == doc and classify(parsed).prototype == prototype
        ref = f"SAG-{2020 + i % 7}-{i:06d}" if rng.random() < 0.6 else None
        created = now - timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
        changed = created + timedelta(seconds=rng.randint(0, int((now - created)
                                                                   .total_seconds())))
        batch.append((prototype, team_ids[i % len(team_ids)], doc, ref, created, changed))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def populate(engine: Engine, cases: int = 100_000, teams: Sequence[str] = ("bench",),
             seed: int = 1, validate: bool = False,
             progress: Callable[[int], object] | None = None) -> Populated:
    """Add ``cases`` generated cases to the (migrated) database behind ``engine``.

    Parameters
    ----------
    engine : Engine
    cases : int
        How many to add.
    teams : sequence of str
        The teams that own them (created when missing), in turn.
    seed : int
        The same seed gives the same cases.
    validate : bool
        Check each document against :class:`GraphDocument` and its prototype first
        (slower; the tests do it).
    progress : callable, optional
        Called with the number of cases in each batch once that batch is committed.

    Returns
    -------
    Populated
        Cases written in whole batches. On KeyboardInterrupt the batch in progress
        is rolled back and the result says ``interrupted``; nothing half done stays.
    """
    done = Populated()
    with Session(engine) as session:
        team_ids = [accounts.ensure_team(session, name).id for name in teams]
        ids = _Ids(session)
    first_case = ids.next[m.Case]
    order = [m.Case, m.Actor, m.Coupling, m.Agreement, m.Event, m.AuditEntry]
    try:
        for batch in _batches(seed, cases, team_ids, validate):
            saved = dict(ids.next)
            rows: dict[type[Base], list[dict[str, Any]]] = {model: [] for model in order}
            for _, team_id, doc, ref, created, changed in batch:
                _rows(doc, ids.take(m.Case), team_id, ref, created, changed, ids, rows)
            try:
                with engine.begin() as conn:
                    for model in order:
                        conn.execute(_table(model).insert(), rows[model])
                    _bump_sequences(conn, ids)
            except BaseException:
                ids.next = saved
                raise
            for prototype, *_ in batch:
                done.by_prototype[prototype] += 1
            done.cases += len(batch)
            if progress is not None:
                progress(len(batch))
    except KeyboardInterrupt:
        done.interrupted = True
        # Counted in the database: a batch may have committed just before the interrupt.
        with Session(engine) as session:
            done.cases = session.scalar(select(func.count()).select_from(m.Case)
                                        .where(m.Case.id >= first_case)) or 0
    return done


def _bump_sequences(conn: Any, ids: _Ids) -> None:
    """PostgreSQL's id sequences do not see explicit ids; move them past ours."""
    if conn.dialect.name != "postgresql":
        return
    for model, next_id in ids.next.items():
        name = _table(model).name
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                          f"GREATEST({next_id}, (SELECT COALESCE(MAX(id), 0) + 1 "
                          f"FROM {name})), false)"))
