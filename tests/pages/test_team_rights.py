"""Rights per team: a role counts in its own team only.

A user who is reader in team A and editor in team B reads A's cases and changes
nothing in them, and works in B as an editor; a new case goes to a team the user writes
in, and the form asks which when there is more than one.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import accounts, cases, edits, embeds, sessions, snapshots
from app import models as m
from app.auth import Principal, principal_for_token
from app.cases import Expected
from app.config import Settings
from app.db import Database
from app.errors import Forbidden
from app.graph.errors import DocumentInvalid
from app.graph.examples import claus_nu
from app.main import create_app
from app.schemas import CasePatch
from tests.helpers.clients import PASSWORD, Api, log_in
from tests.helpers.html import csrf_token, has, one


def _team_id(db: Database, name: str) -> int:
    with db.session() as session:
        return accounts.find_team(session, name).id


def _user(db: Database, roles: dict[str, str]) -> str:
    """A user with a role in each team named (team name -> role)."""
    username = f"user-{secrets.token_hex(4)}"
    (first, role), *more = roles.items()
    with db.session() as session:
        user = accounts.create_user(session, username, PASSWORD, first, role)
        for team, other_role in more:
            user.memberships.append(m.Membership(
                team_id=accounts.find_team(session, team).id, role=other_role))
        session.commit()
    return username


def _principal(db: Database, username: str) -> Principal:
    with db.session() as session:
        user = session.scalar(select(m.User).where(m.User.username == username))
        assert user is not None
        return sessions.principal_for_user(user)


@pytest.fixture
def browser_of(settings: Settings) -> Iterator[Callable[[str], TestClient]]:
    """Logged-in browsers, one per username asked for."""
    app = create_app(settings)
    opened: list[TestClient] = []

    def open_for(username: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        opened.append(client)
        assert log_in(client, username).status_code == 303
        return client

    yield open_for
    for client in opened:
        client.__exit__(None, None, None)
    app.state.db.dispose()


def _csrf(html: str) -> str:
    return csrf_token(html)


def _version(db: Database, case_id: int) -> int | None:
    with db.session() as session:
        return session.scalar(select(m.Case.version).where(m.Case.id == case_id))


# --- the principal -----------------------------------------------------------------------


def test_a_user_writes_only_in_teams_where_the_role_allows(db: Database, api: Api,
                                                           other_team: Api) -> None:
    mixed = _principal(db, _user(db, {api.team: "reader", other_team.team: "editor"}))
    a, b = _team_id(db, api.team), _team_id(db, other_team.team)
    assert mixed.sees(a) and mixed.sees(b)
    assert not mixed.can_write_in(a) and mixed.can_write_in(b)
    assert mixed.write_team_ids == {b} and mixed.writes_anywhere
    reader = _principal(db, _user(db, {api.team: "reader"}))
    assert not reader.writes_anywhere and not reader.can_write_in(a)
    for role in ("editor", "coordinator", "admin"):
        assert _principal(db, _user(db, {api.team: role})).can_write_in(a)


def test_tokens_are_single_team(db: Database, api: Api, other_team: Api, reader: Api) -> None:
    a, b = _team_id(db, api.team), _team_id(db, other_team.team)
    with db.session() as session:
        writer, read_only = principal_for_token(session, api.token), principal_for_token(
            session, reader.token)
    assert writer.can_write_in(a) and not writer.can_write_in(b) and not writer.sees(b)
    assert read_only.sees(a) and not read_only.can_write_in(a)


def test_writing_somewhere_never_means_writing_where_one_only_sees() -> None:
    odd = Principal(name="user:odd", team_ids=frozenset({1}), write_team_ids=frozenset({2}))
    assert not odd.can_write_in(2) and not odd.writes_anywhere


# --- every write in the service layer --------------------------------------------------

Write = Callable[[Session, Principal, int], Any]

WRITES: dict[str, Write] = {
    "add actor": lambda s, who, case: cases.add_actor(
        s, who, case, Expected(1), {"key": "mor", "kind": "network", "label": "Mor"}),
    "change actor": lambda s, who, case: cases.update_actor(
        s, who, case, Expected(1), "uu", {"label": "UU (ny)"}),
    "remove actor": lambda s, who, case: cases.remove_actor(s, who, case, Expected(1), "uu"),
    "couple": lambda s, who, case: cases.add_coupling(
        s, who, case, Expected(1), {"source": "uu", "target": "rusmiddel"}),
    "change coupling": lambda s, who, case: cases.update_coupling(
        s, who, case, Expected(1), "uu", "ydelse", {"state": "established"}),
    "uncouple": lambda s, who, case: cases.remove_coupling(
        s, who, case, Expected(1), "uu", "ydelse"),
    "change document": lambda s, who, case: cases.change_document(
        s, who, case, Expected(1), "coordinator_named",
        edits.Message("Koordinator: %(label)s", {"label": "uu"}),
        lambda doc: {**doc, "coordinator": "uu"}),
    "replace graph": lambda s, who, case: cases.replace_graph(
        s, who, case, Expected(1), claus_nu()),
    "patch case": lambda s, who, case: cases.update_case(
        s, who, case, Expected(1), CasePatch(label="Claus (ny)")),
    "undo": lambda s, who, case: cases.undo(s, who, case, Expected(2)),
    "delete case": lambda s, who, case: cases.delete_case(s, who, case, Expected(1)),
    "snapshot": lambda s, who, case: snapshots.create_snapshot(s, who, case, "Før mødet"),
    "embed link": lambda s, who, case: embeds.create_link(s, who, case, 7, 90, None, False),
    "revoke embed link": lambda s, who, case: embeds.revoke_link(
        s, who, case, _link_of(s, case)),
}


def _link_of(session: Session, case_id: int) -> int:
    link = session.scalar(select(m.EmbedLink.id).where(m.EmbedLink.case_id == case_id))
    assert link is not None
    return link


def _prepared(api: Api, what: str) -> int:
    """A fresh case of ``api``'s team, ready for the write (undo needs a change, revoking
    a link)."""
    case_id, _version = api.create(claus_nu())
    if what == "undo":
        response = api.patch(f"/api/v1/cases/{case_id}", json={"label": "Claus (ændret)"},
                             headers={"If-Match": '"1"'})
        assert response.status_code == 200, response.text
    if what == "revoke embed link":
        assert api.post(f"/api/v1/cases/{case_id}/embeds", json={}).status_code == 201
    return case_id


@pytest.mark.parametrize("what", list(WRITES))
def test_every_write_is_decided_by_the_role_in_the_cases_team(
        db: Database, api: Api, other_team: Api, what: str) -> None:
    """Reader in A, editor in B: refused in A (and nothing changes), allowed in B."""
    mixed = _principal(db, _user(db, {api.team: "reader", other_team.team: "editor"}))
    in_a, in_b = _prepared(api, what), _prepared(other_team, what)
    before = _version(db, in_a)
    with db.session() as session, pytest.raises(Forbidden):
        WRITES[what](session, mixed, in_a)
    assert _version(db, in_a) == before
    with db.session() as session:
        WRITES[what](session, mixed, in_b)


def test_create_case_only_in_a_team_one_writes_in(db: Database, api: Api,
                                                  other_team: Api) -> None:
    mixed = _principal(db, _user(db, {api.team: "reader", other_team.team: "editor"}))
    a, b = _team_id(db, api.team), _team_id(db, other_team.team)
    with db.session() as session:
        with pytest.raises(Forbidden):
            cases.create_case(session, mixed, a, claus_nu())
        with pytest.raises(Forbidden):  # a team one is not in at all
            cases.create_case(session, mixed, a + b + 1000, claus_nu())
        assert cases.create_case(session, mixed, b, claus_nu()).team_id == b


def test_the_team_of_a_new_case(db: Database, api: Api, other_team: Api) -> None:
    a, b = _team_id(db, api.team), _team_id(db, other_team.team)
    mixed = _principal(db, _user(db, {api.team: "reader", other_team.team: "editor"}))
    both = _principal(db, _user(db, {api.team: "editor", other_team.team: "coordinator"}))
    reader = _principal(db, _user(db, {api.team: "reader"}))
    assert cases.team_for_new_case(mixed, None) == b  # the only team it writes in
    assert cases.team_for_new_case(both, a) == a
    with pytest.raises(DocumentInvalid) as asked:
        cases.team_for_new_case(both, None)  # two teams: say which
    assert asked.value.problems[0].field == "team_id"
    with pytest.raises(Forbidden):
        cases.team_for_new_case(reader, None)


# --- the pages ---------------------------------------------------------------------------


def _new_case(client: TestClient, csrf: str, **extra: str) -> Any:
    return client.post("/cases", data={"csrf": csrf, "label": f"Ny-{secrets.token_hex(3)}",
                                       "target_group": "voksne", **extra})


def _team_of(db: Database, location: str) -> int:
    case_id = int(location.rsplit("/", 1)[1])
    with db.session() as session:
        team = session.scalar(select(m.Case.team_id).where(m.Case.id == case_id))
    assert team is not None
    return team


def test_reader_in_a_editor_in_b_on_the_pages(db: Database, api: Api, other_team: Api,
                                              browser_of: Callable[[str], TestClient]) -> None:
    mixed = browser_of(_user(db, {api.team: "reader", other_team.team: "editor"}))
    listing = mixed.get("/cases")
    csrf = _csrf(listing.text)
    assert has(listing, "#new-case") and not has(listing, '[name="team_id"]')
    created = _new_case(mixed, csrf)  # no question: B is the only team it writes in
    assert created.status_code == 303
    assert _team_of(db, created.headers["location"]) == _team_id(db, other_team.team)
    refused = _new_case(mixed, csrf, team_id=str(_team_id(db, api.team)))
    assert refused.status_code == 403
    in_a, in_b = api.create(claus_nu())[0], other_team.create(claus_nu())[0]
    actor = {"csrf": csrf, "label": "Mor", "kind": "network", "version": "1"}
    assert mixed.post(f"/cases/{in_a}/actors", data=actor).status_code == 403
    assert _version(db, in_a) == 1
    assert mixed.post(f"/cases/{in_b}/actors", data=actor).status_code == 303
    assert _version(db, in_b) == 2
    snapshot = {"csrf": csrf, "name": "Før mødet"}
    assert mixed.post(f"/cases/{in_a}/snapshots", data=snapshot).status_code == 403
    assert mixed.post(f"/cases/{in_b}/snapshots", data=snapshot).status_code == 303
    # the snapshot form is offered where it can be used
    assert not has(mixed.get(f"/cases/{in_a}/history"), "#snapshot-form")
    assert has(mixed.get(f"/cases/{in_b}/history"), "#snapshot-form")


def test_the_new_case_form_asks_for_the_team_when_there_are_several(
        db: Database, api: Api, other_team: Api,
        browser_of: Callable[[str], TestClient]) -> None:
    a, b = _team_id(db, api.team), _team_id(db, other_team.team)
    with db.session() as session:  # a third team where the user only reads
        third = accounts.create_team(session, f"third-{secrets.token_hex(4)}")
        third_id, third_name = third.id, third.name
    both = browser_of(_user(db, {api.team: "editor", other_team.team: "coordinator",
                                 third_name: "reader"}))
    listing = both.get("/cases")
    csrf = _csrf(listing.text)
    chooser = one(listing, 'select#new-team[name="team_id"][required]')
    offered = {int(o.get("value")) for o in chooser.cssselect("option")
               if (o.get("value") or "").isdigit()}
    assert offered == {a, b}  # not the team where the user only reads
    asked = _new_case(both, csrf)
    assert asked.status_code == 422
    assert "Vælg hvilket team" in asked.text
    for team in (a, b):
        created = _new_case(both, csrf, team_id=str(team))
        assert created.status_code == 303
        assert _team_of(db, created.headers["location"]) == team
    assert _new_case(both, csrf, team_id=str(third_id)).status_code == 403
    assert _new_case(both, csrf, team_id=str(a + b + third_id + 1000)).status_code == 403


def test_a_reader_everywhere_gets_no_form_and_cannot_create(
        db: Database, api: Api, browser_of: Callable[[str], TestClient]) -> None:
    reading = browser_of(_user(db, {api.team: "reader"}))
    listing = reading.get("/cases")
    assert not has(listing, "#new-case")
    assert _new_case(reading, _csrf(listing.text)).status_code == 403
