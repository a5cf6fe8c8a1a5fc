"""The case list's filters: prototype, target group, coordinator and team, one audit entry."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.requests import Request

from app import accounts
from app import models as m
from app.auth import Principal
from app.case_filters import (
    BadFilter,
    CaseFilters,
    FoundCase,
    parse_filters,
    search_cases_filtered,
)
from app.db import Database
from app.graph.classify import DEFAULT_THRESHOLDS, Thresholds
from app.graph.examples import claus_foer, claus_nu, prototype_1, prototype_2, prototype_3
from app.web.pages import templates
from app.web.template_globals import bound
from tests.helpers.clients import Api
from tests.helpers.html import has


@pytest.fixture
def demo(api: Api, db: Database) -> Principal:
    """The five demo examples in ``api``'s team; returns a principal of that team.

    claus_foer: unge, 2, no coordinator; claus_nu: unge, 2; prototype_1: voksne, 1;
    prototype_2: unge, 2; prototype_3: familie, 3 (all but claus_foer have a coordinator).
    """
    for example in (claus_foer, claus_nu, prototype_1, prototype_2, prototype_3):
        api.create(example())
    with db.session() as session:
        team_id = accounts.find_team(session, api.team).id
    return Principal(name=f"user:filter-{secrets.token_hex(4)}", team_ids=frozenset({team_id}),
                     channel="web")


def _search(db: Database, who: Principal, q: str | None = None,
            target_group: str | None = None, prototype: int | None = None,
            coordinator: bool | None = None, team_id: int | None = None, offset: int = 0,
            limit: int = 100, thresholds: Thresholds = DEFAULT_THRESHOLDS,
            ) -> tuple[list[FoundCase], int]:
    with db.session() as session:
        return search_cases_filtered(session, who, q, target_group, prototype, coordinator,
                                     team_id, offset, limit, thresholds)


def _labels(rows: list[FoundCase]) -> set[str]:
    return {row.case.label for row in rows}


def test_without_filters_every_case_comes_with_its_prototype(db: Database,
                                                             demo: Principal) -> None:
    rows, total = _search(db, demo)
    assert total == 5
    assert {row.case.label: row.prototype for row in rows} == {
        "Claus, 22 (før)": 2, "Claus, 22 (nu)": 2, "Maja, 34": 1, "Sara, 17": 2,
        "Familien fra opgangen": 3}


def test_filter_by_prototype(db: Database, demo: Principal) -> None:
    assert _labels(_search(db, demo, prototype=1)[0]) == {"Maja, 34"}
    rows, total = _search(db, demo, prototype=2)
    assert total == 3 and _labels(rows) == {"Claus, 22 (før)", "Claus, 22 (nu)", "Sara, 17"}
    assert _labels(_search(db, demo, prototype=3)[0]) == {"Familien fra opgangen"}


def test_filter_by_prototype_follows_the_thresholds(db: Database, demo: Principal) -> None:
    strict = Thresholds(professions_level1=0, professions_level2=0,
                        sectors_level1=0, sectors_level2=0)
    rows, total = _search(db, demo, prototype=3, thresholds=strict)
    assert total == 5 and {row.prototype for row in rows} == {3}


def test_filter_by_prototype_pages_the_matches(db: Database, demo: Principal) -> None:
    first, total = _search(db, demo, prototype=2, offset=0, limit=2)
    rest, again = _search(db, demo, prototype=2, offset=2, limit=2)
    assert total == again == 3 and len(first) == 2 and len(rest) == 1
    assert _labels(first) | _labels(rest) == {"Claus, 22 (før)", "Claus, 22 (nu)", "Sara, 17"}


def test_filter_by_target_group(db: Database, demo: Principal) -> None:
    rows, total = _search(db, demo, target_group="unge")
    assert total == 3 and _labels(rows) == {"Claus, 22 (før)", "Claus, 22 (nu)", "Sara, 17"}
    assert _labels(_search(db, demo, target_group="familie")[0]) == {"Familien fra opgangen"}
    assert _search(db, demo, target_group="boern") == ([], 0)


def test_filter_by_coordinator(db: Database, demo: Principal) -> None:
    assert _labels(_search(db, demo, coordinator=False)[0]) == {"Claus, 22 (før)"}
    rows, total = _search(db, demo, coordinator=True)
    assert total == 4 and "Claus, 22 (før)" not in _labels(rows)


def test_filters_combine(db: Database, demo: Principal) -> None:
    rows, total = _search(db, demo, q="claus", target_group="unge", prototype=2,
                          coordinator=True)
    assert total == 1 and _labels(rows) == {"Claus, 22 (nu)"}
    assert _search(db, demo, q="maja", prototype=3) == ([], 0)


def test_filters_never_reach_another_team(db: Database, demo: Principal,
                                          other_team: Api) -> None:
    other_team.create(prototype_3())
    with db.session() as session:
        theirs = accounts.find_team(session, other_team.team).id
    rows, total = _search(db, demo, prototype=3)
    assert total == 1 and all(row.case.team_id in demo.team_ids for row in rows)
    assert _search(db, demo, team_id=theirs) == ([], 0)
    assert _search(db, demo, team_id=min(demo.team_ids))[1] == 5


def test_search_writes_one_audit_entry_with_every_term(db: Database, demo: Principal) -> None:
    _search(db, demo, q="claus", target_group="unge", prototype=2, coordinator=False)
    with db.session() as session:
        entries = session.scalars(select(m.AuditEntry).where(
            m.AuditEntry.principal == demo.name)).all()
    assert len(entries) == 1 and entries[0].action == "search"
    detail = entries[0].detail or ""
    for term in ("q='claus'", "target_group='unge'", "prototype=2", "coordinator=False"):
        assert term in detail
    assert entries[0].team_id == min(demo.team_ids)


def test_unknown_filter_values_are_refused(db: Database, demo: Principal) -> None:
    with pytest.raises(BadFilter):
        _search(db, demo, target_group="alle")
    with pytest.raises(BadFilter):
        _search(db, demo, prototype=4)


def test_parse_filters_from_the_form() -> None:
    assert parse_filters() == CaseFilters()
    assert parse_filters(" ", "", "", "", "") == CaseFilters()
    assert parse_filters("x", "boern", "3", "yes", "12") == CaseFilters(
        q="x", target_group="boern", prototype=3, coordinator=True, team_id=12)
    for bad in ({"target_group": "x"}, {"prototype": "0"}, {"coordinator": "maybe"},
                {"team": "abc"}):
        with pytest.raises(BadFilter):
            parse_filters(**bad)


def test_filter_form_keeps_the_choices_and_escapes_names(client: TestClient) -> None:
    # The form's address comes from the router, through the page's request (the helpers
    # page() binds to it).
    request = Request({"type": "http", "app": client.app, "headers": []})
    helpers = bound(request, None, None)
    html = templates.get_template("cases/_filters.html").render(
        **helpers, filters=CaseFilters(q='"><script>', target_group="unge", prototype=2,
                            coordinator=False, team_id=7),
        teams=[(7, "<b>Team Nord</b>"), (8, "Team Syd")])
    assert "<script>" not in html and "&lt;b&gt;Team Nord&lt;/b&gt;" in html
    for value in ("unge", "2", "no", "7"):
        assert has(html, f'option[value="{value}"][selected]'), value
    assert has(html, '[for="filter-team"]') and has(html, '[for="filter-prototype"]')
    one_team = templates.get_template("cases/_filters.html").render(
        **helpers, filters=CaseFilters(), teams=[(7, "Team Nord")])
    assert not has(one_team, '[name="team"]') and not has(one_team, "[selected]")
