"""Generated cases for benchmarks, the stored counts behind the prototype filter, reclassify."""

from __future__ import annotations

import secrets
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app import accounts, cases, edits
from app import models as m
from app.auth import Principal
from app.case_filters import search_cases_filtered
from app.cli import main as kuvert
from app.cli import migrate
from app.db import Database
from app.graph.classify import DEFAULT_THRESHOLDS, Thresholds, classify
from app.graph.document import GraphDocument
from app.graph.examples import claus_foer
from app.i18n import translations
from app.populate import populate
from tests.helpers.clients import Api
from tests.helpers.database import backends, empty_database


@pytest.fixture(scope="module", params=backends())
def populated(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> object:
    """A fresh database with 300 generated cases in team ``bench``, made by the CLI."""
    with empty_database(request.param, tmp_path_factory.mktemp("populate")) as url:
        migrate(url)
        mp = pytest.MonkeyPatch()
        mp.setenv("KUVERT_DATABASE_URL", url)
        from app.config import get_settings

        get_settings.cache_clear()
        try:
            assert kuvert(["populate", "--cases", "300", "--seed", "7"]) == 0
        finally:
            mp.undo()
            get_settings.cache_clear()
        db = Database(url)
        yield db
        db.dispose()


def _bench_principal(db: Database) -> Principal:
    with db.session() as session:
        team_id = accounts.find_team(session, "bench").id
    return Principal(name="user:test-populate", team_ids=frozenset({team_id}),
                     channel="web")


def test_populate_writes_the_prototypes_in_proportion(populated: Database) -> None:
    with populated.session() as session:
        events = session.scalars(select(m.Event).order_by(m.Event.case_id)).all()
        assert session.scalar(select(func.count()).select_from(m.Case)) == 300
    assert len(events) == 300 and {e.version for e in events} == {1}
    docs = [GraphDocument.model_validate(e.document) for e in events]
    prototypes = Counter(classify(doc).prototype for doc in docs)
    assert 140 <= prototypes[1] <= 220 and 60 <= prototypes[2] <= 120
    assert 15 <= prototypes[3] <= 50
    big = [doc for doc in docs if classify(doc).prototype == 3]
    assert all(30 <= len(doc.actors) <= 80 for doc in big)
    assert all(len(doc.couplings) >= len(doc.actors) for doc in big)
    assert len({doc.target_group for doc in docs}) == 4


def test_populated_rows_are_the_stored_documents(populated: Database) -> None:
    """Rows and event are what the service would have written for the same document."""
    english = translations("en").gettext
    with populated.session() as session:
        for case in session.scalars(select(m.Case).order_by(m.Case.id).limit(40)):
            event = session.scalar(select(m.Event).where(m.Event.case_id == case.id))
            assert event is not None
            doc = GraphDocument.model_validate(cases.rows_document(case))
            assert cases.dump(doc) == event.document
            assert event.summary == f"Borgerforløb oprettet: {case.label}"
            assert edits.summary_of(event, english) == f"Case created: {case.label}"
            assert (case.profession_count, case.sector_count) == (
                classify(doc).professions.count, classify(doc).sectors.count)


@pytest.mark.parametrize("thresholds", [DEFAULT_THRESHOLDS, Thresholds(3, 4, 1, 3)])
def test_filter_by_prototype_agrees_with_classify(populated: Database,
                                                  thresholds: Thresholds) -> None:
    who = _bench_principal(populated)
    with populated.session() as session:
        expected: dict[int, set[int]] = {1: set(), 2: set(), 3: set()}
        for event in session.scalars(select(m.Event)):
            doc = GraphDocument.model_validate(event.document)
            expected[classify(doc, thresholds).prototype].add(event.case_id)
    for prototype in (1, 2, 3):
        with populated.session() as session:
            rows, total = search_cases_filtered(session, who, None, None, prototype, None,
                                                None, 0, 300, thresholds)
        assert total == len(expected[prototype])
        assert {row.case.id for row in rows} == expected[prototype]
        assert {row.prototype for row in rows} <= {prototype}


def test_populate_is_deterministic_and_adds(tmp_path: Path) -> None:
    with empty_database("sqlite", tmp_path) as url:
        migrate(url)
        db = Database(url)
        first = populate(db.engine, 20, ("a", "b"), seed=3)
        second = populate(db.engine, 20, ("a", "b"), seed=3)
        with db.session() as session:
            labels = session.scalars(select(m.Case.label).order_by(m.Case.id)).all()
            teams = session.scalars(select(m.Case.team_id).distinct()).all()
        db.dispose()
    assert first.cases == second.cases == 20 and not first.interrupted
    assert labels[:20] == labels[20:] and len(teams) == 2


def test_populate_interrupted_keeps_whole_batches_only(tmp_path: Path) -> None:
    with empty_database("sqlite", tmp_path) as url:
        migrate(url)
        db = Database(url)
        seen = []

        def stop_after_first(n: int) -> None:
            seen.append(n)
            if len(seen) == 1:
                raise KeyboardInterrupt

        import app.populate as p

        old, p.BATCH = p.BATCH, 7
        try:
            result = populate(db.engine, 30, seed=1, progress=stop_after_first)
        finally:
            p.BATCH = old
        with db.session() as session:
            stored = session.scalar(select(func.count()).select_from(m.Case))
            events = session.scalar(select(func.count()).select_from(m.Event))
        db.dispose()
    assert result.interrupted and result.cases == stored == events == 7


def test_changing_the_network_updates_the_stored_counts(api: Api, db: Database) -> None:
    case_id, version = api.create(claus_foer())
    with db.session() as session:
        case = session.get(m.Case, case_id)
        assert case is not None and (case.profession_count, case.sector_count) == (4, 4)
    response = api.post(f"/api/v1/cases/{case_id}/actors", headers={"If-Match": f'"{version}"'},
                        json={"key": "psyk", "kind": "professional", "label": "Psykiater",
                              "profession": "Psykiater", "sector": "psykiatri"})
    assert response.status_code in (200, 201), response.text
    with db.session() as session:
        case = session.get(m.Case, case_id)
        assert case is not None and (case.profession_count, case.sector_count) == (5, 5)


def test_reclassify_repairs_wrong_counts(api: Api, db: Database, tmp_path: Path) -> None:
    case_id, _ = api.create(claus_foer())
    with db.session() as session:
        session.execute(update(m.Case).where(m.Case.id == case_id)
                        .values(profession_count=0, sector_count=99))
        session.commit()
        assert cases.recount_all(session, batch=2) >= 1
        case = session.get(m.Case, case_id)
        assert case is not None
        session.refresh(case)
        assert (case.profession_count, case.sector_count) == (4, 4)
        assert cases.recount_all(session) == 0


def test_reclassify_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    from app.config import get_settings

    url = f"sqlite:///{tmp_path / f'r-{secrets.token_hex(3)}.db'}"
    migrate(url)
    db = Database(url)
    populate(db.engine, 10, seed=2)
    with db.session() as session:
        session.execute(update(m.Case).values(profession_count=0, sector_count=0))
        session.commit()
    db.dispose()
    monkeypatch.setenv("KUVERT_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert kuvert(["reclassify", "--batch", "3"]) == 0
    finally:
        get_settings.cache_clear()
    assert "10 forløb talt om" in capsys.readouterr().out
