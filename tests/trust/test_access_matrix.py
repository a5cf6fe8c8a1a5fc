"""Who may do what: every route of the app × every kind of caller, from one explicit table.

``ROUTES`` names each route (method and path template, as FastAPI has it) with a
category; ``EXPECTED`` says, per category, what each caller gets. Every pair runs
against a fresh case of team A, so what one caller changes never shows for another.
``test_the_table_lists_exactly_the_apps_routes`` fails when a route is added to the
app without a row here, and when a row names a route the app no longer has.

Outcomes, as short codes:

- ``ok``: 2xx, or a 303 that does not go to the login page;
- ``login``: a 303 to ``/login?next=<the path asked for>``;
- ``logged_out``: the 303 to plain ``/login`` that ends a session (``POST /logout``);
- anything else: the status code, e.g. ``401``, ``403``, ``404``.

The principles the table encodes: the API (``/api/v1``) wants a bearer token and
nothing else (a browser cookie gets 401), sees only its own team (another team's
case is 404), a read token cannot write (403), a revoked token is 401. Pages want a
login and ignore bearer tokens (303 to the login page), show another team's case as
404, let a reader read but change nothing (403), and keep ``/admin`` for admins
(403 for anyone else). Roles count per team: a user who is reader in team A and editor
in team B changes nothing of A's (403) and creates new cases in B, the one team it
writes in. ``/healthz``, ``/login``, ``/lang``, ``/`` (a redirect), ``/static``, the
API pages (``/docs``, ``/redoc``), ``/tilgaengelighed`` and ``/privatliv`` are public;
``/embed/{token}`` is public to whoever has a valid link.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import accounts
from app import models as m
from app.config import Settings
from app.db import Database
from app.graph.examples import claus_nu
from app.main import create_app
from app.security import hash_token, new_secret
from tests.helpers.clients import PASSWORD, log_in
from tests.helpers.html import csrf_token
from tests.helpers.routes import app_routes
from tests.trust import figures

# --- the callers -----------------------------------------------------------------------

ROLES = (
    "anonymous",          # no cookie, no token
    "reader",             # web users of team A, logged in through the login form
    "editor",
    "coordinator",
    "admin",
    "other_coordinator",  # a web user of team B
    "multi_team",         # a web user who is reader in team A and editor in team B
    "read_token",         # API tokens of team A
    "write_token",
    "revoked_token",
    "other_token",        # a write token of team B
)
WEB_ROLES = {"reader": "A", "editor": "A", "coordinator": "A", "admin": "A",
             "other_coordinator": "B", "multi_team": "A"}
# Roles in more teams than the one above: rights are decided per team of the case.
MORE_TEAMS = {"multi_team": ("B", "editor")}
TOKEN_ROLES = ("read_token", "write_token", "revoked_token", "other_token")

# --- what each category of route answers each caller -------------------------------------

EXPECTED: dict[str, dict[str, str]] = {
    # Anyone: health, login form, language switch, static files, the "/" redirect.
    "public": {
        "anonymous": "ok", "reader": "ok", "editor": "ok", "coordinator": "ok",
        "admin": "ok", "other_coordinator": "ok", "multi_team": "ok",
        "read_token": "ok", "write_token": "ok", "revoked_token": "ok", "other_token": "ok",
    },
    # A sign-on method the server is not set up for answers as if it did not exist.
    "sign_on_off": {role: "404" for role in ROLES},
    # A plain redirect to the login page, whoever asks (ends nothing by itself).
    "to_login": {role: "logged_out" for role in ROLES},
    # API, no case involved: classify, analyse, render, blank templates, catalogue.
    "api_stateless": {
        "anonymous": "401", "reader": "401", "editor": "401", "coordinator": "401",
        "admin": "401", "other_coordinator": "401", "multi_team": "401",
        "read_token": "ok", "write_token": "ok", "revoked_token": "401", "other_token": "ok",
    },
    # API, the token's own team's case list (team B's token lists team B's cases).
    "api_team_read": {
        "anonymous": "401", "reader": "401", "editor": "401", "coordinator": "401",
        "admin": "401", "other_coordinator": "401", "multi_team": "401",
        "read_token": "ok", "write_token": "ok", "revoked_token": "401", "other_token": "ok",
    },
    # API, a new case in the token's own team.
    "api_team_write": {
        "anonymous": "401", "reader": "401", "editor": "401", "coordinator": "401",
        "admin": "401", "other_coordinator": "401", "multi_team": "401",
        "read_token": "403", "write_token": "ok", "revoked_token": "401", "other_token": "ok",
    },
    # API, reading team A's case.
    "api_case_read": {
        "anonymous": "401", "reader": "401", "editor": "401", "coordinator": "401",
        "admin": "401", "other_coordinator": "401", "multi_team": "401",
        "read_token": "ok", "write_token": "ok", "revoked_token": "401", "other_token": "404",
    },
    # API, changing team A's case (or its snapshots and embed links).
    "api_case_write": {
        "anonymous": "401", "reader": "401", "editor": "401", "coordinator": "401",
        "admin": "401", "other_coordinator": "401", "multi_team": "401",
        "read_token": "403", "write_token": "ok", "revoked_token": "401", "other_token": "404",
    },
    # Pages, the logged-in user's own team(s): the case list.
    "page_team_read": {
        "anonymous": "login", "reader": "ok", "editor": "ok", "coordinator": "ok",
        "admin": "ok", "other_coordinator": "ok", "multi_team": "ok",
        "read_token": "login", "write_token": "login", "revoked_token": "login",
        "other_token": "login",
    },
    # Pages, a new case in the user's own team (the one it writes in: no question asked).
    "page_team_write": {
        "anonymous": "login", "reader": "403", "editor": "ok", "coordinator": "ok",
        "admin": "ok", "other_coordinator": "ok", "multi_team": "ok",
        "read_token": "login", "write_token": "login", "revoked_token": "login",
        "other_token": "login",
    },
    # Pages, reading team A's case (including its live SSE stream).
    "page_case_read": {
        "anonymous": "login", "reader": "ok", "editor": "ok", "coordinator": "ok",
        "admin": "ok", "other_coordinator": "404", "multi_team": "ok",
        "read_token": "login", "write_token": "login", "revoked_token": "login",
        "other_token": "login",
    },
    # Pages, changing team A's case.
    "page_case_write": {
        "anonymous": "login", "reader": "403", "editor": "ok", "coordinator": "ok",
        "admin": "ok", "other_coordinator": "404", "multi_team": "403",
        "read_token": "login", "write_token": "login", "revoked_token": "login",
        "other_token": "login",
    },
    # Pages under /admin: team A's admin only.
    "page_admin": {
        "anonymous": "login", "reader": "403", "editor": "403", "coordinator": "403",
        "admin": "ok", "other_coordinator": "403", "multi_team": "403",
        "read_token": "login", "write_token": "login", "revoked_token": "login",
        "other_token": "login",
    },
    # Logging out: anyone with a session (readers too).
    "page_logout": {
        "anonymous": "login", "reader": "logged_out", "editor": "logged_out",
        "coordinator": "logged_out", "admin": "logged_out", "other_coordinator": "logged_out",
        "multi_team": "logged_out",
        "read_token": "login", "write_token": "login", "revoked_token": "login",
        "other_token": "login",
    },
    # The embed of a valid link: anyone, whoever they are otherwise.
    "embed": {
        "anonymous": "ok", "reader": "ok", "editor": "ok", "coordinator": "ok",
        "admin": "ok", "other_coordinator": "ok", "multi_team": "ok",
        "read_token": "ok", "write_token": "ok", "revoked_token": "ok", "other_token": "ok",
    },
}

# --- every route, by (METHOD, path template) ----------------------------------------------

STATIC = ("GET", "/static/{path}")  # the StaticFiles mount

ROUTES: dict[tuple[str, str], str] = {
    # public
    ("GET", "/healthz"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/lang"): "public",
    ("GET", "/"): "public",
    ("GET", "/static/vendor/{name}"): "public",
    STATIC: "public",
    ("GET", "/tilgaengelighed"): "public",
    ("GET", "/privatliv"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/redoc"): "public",
    ("GET", "/static/apidocs/{name}"): "public",
    # sign-on with the municipality's provider: not set up on this server, so not here
    ("GET", "/login/oidc"): "sign_on_off",
    ("GET", "/login/oidc/callback"): "sign_on_off",
    ("GET", "/saml/login"): "sign_on_off",
    ("GET", "/saml/metadata"): "sign_on_off",
    ("POST", "/saml/acs"): "sign_on_off",
    ("GET", "/saml/slo"): "sign_on_off",
    # after Kuvert's own logout: on to the login page (no provider to leave)
    ("GET", "/logout/sso"): "to_login",
    # API without a case
    ("POST", "/api/v1/render.svg"): "api_stateless",
    ("POST", "/api/v1/render.pdf"): "api_stateless",
    ("GET", "/api/v1/templates/prototype/{prototype}.pdf"): "api_stateless",
    ("POST", "/api/v1/classify"): "api_stateless",
    ("POST", "/api/v1/analyse"): "api_stateless",
    ("GET", "/api/v1/catalogue"): "api_stateless",
    ("GET", "/api/v1/cases"): "api_team_read",
    ("POST", "/api/v1/cases"): "api_team_write",
    ("POST", "/api/v1/cases/import"): "api_team_write",
    # API on a case
    ("GET", "/api/v1/cases/{case_id}"): "api_case_read",
    ("GET", "/api/v1/cases/{case_id}/graph"): "api_case_read",
    ("GET", "/api/v1/cases/{case_id}/classification"): "api_case_read",
    ("GET", "/api/v1/cases/{case_id}/analysis"): "api_case_read",
    ("GET", "/api/v1/cases/{case_id}/history"): "api_case_read",
    ("GET", "/api/v1/cases/{case_id}/envelope.svg"): "api_case_read",
    ("GET", "/api/v1/cases/{case_id}/envelope.pdf"): "api_case_read",
    ("GET", "/api/v1/cases/{case_id}/export.{fmt}"): "api_case_read",
    ("GET", "/api/v1/cases/{case_id}/snapshots"): "api_case_read",
    ("GET", "/api/v1/cases/{case_id}/compare"): "api_case_read",
    ("GET", "/api/v1/cases/{case_id}/embeds"): "api_case_read",
    ("PATCH", "/api/v1/cases/{case_id}"): "api_case_write",
    ("DELETE", "/api/v1/cases/{case_id}"): "api_case_write",
    ("PUT", "/api/v1/cases/{case_id}/graph"): "api_case_write",
    ("POST", "/api/v1/cases/{case_id}/actors"): "api_case_write",
    ("PATCH", "/api/v1/cases/{case_id}/actors/{key}"): "api_case_write",
    ("DELETE", "/api/v1/cases/{case_id}/actors/{key}"): "api_case_write",
    ("POST", "/api/v1/cases/{case_id}/couplings"): "api_case_write",
    ("PATCH", "/api/v1/cases/{case_id}/couplings/{a}/{b}"): "api_case_write",
    ("DELETE", "/api/v1/cases/{case_id}/couplings/{a}/{b}"): "api_case_write",
    ("POST", "/api/v1/cases/{case_id}/snapshots"): "api_case_write",
    ("POST", "/api/v1/cases/{case_id}/embeds"): "api_case_write",
    ("DELETE", "/api/v1/cases/{case_id}/embeds/{embed_id}"): "api_case_write",
    # pages without a case
    ("GET", "/cases"): "page_team_read",
    ("POST", "/cases"): "page_team_write",
    ("POST", "/logout"): "page_logout",
    # pages on a case
    ("GET", "/cases/{case_id}"): "page_case_read",
    ("GET", "/cases/{case_id}/meeting"): "page_case_read",
    ("GET", "/cases/{case_id}/workspace"): "page_case_read",
    ("GET", "/cases/{case_id}/actors/{key}"): "page_case_read",
    ("GET", "/cases/{case_id}/couplings/{a}/{b}"): "page_case_read",
    ("GET", "/cases/{case_id}/events"): "page_case_read",
    ("GET", "/cases/{case_id}/print"): "page_case_read",
    ("GET", "/cases/{case_id}/access-report"): "page_case_read",
    ("GET", "/cases/{case_id}/access-report.pdf"): "page_case_read",
    ("GET", "/cases/{case_id}/history"): "page_case_read",
    ("GET", "/cases/{case_id}/compare"): "page_case_read",
    ("POST", "/cases/{case_id}/actors"): "page_case_write",
    ("POST", "/cases/{case_id}/actors/{key}"): "page_case_write",
    ("POST", "/cases/{case_id}/actors/{key}/delete"): "page_case_write",
    ("POST", "/cases/{case_id}/actors/{key}/move"): "page_case_write",
    ("POST", "/cases/{case_id}/couplings"): "page_case_write",
    ("POST", "/cases/{case_id}/couplings/{a}/{b}"): "page_case_write",
    ("POST", "/cases/{case_id}/couplings/{a}/{b}/delete"): "page_case_write",
    ("POST", "/cases/{case_id}/agreements"): "page_case_write",
    ("POST", "/cases/{case_id}/coordinator"): "page_case_write",
    ("POST", "/cases/{case_id}/undo"): "page_case_write",
    ("POST", "/cases/{case_id}/snapshots"): "page_case_write",
    # admin pages
    ("GET", "/admin"): "page_admin",
    ("GET", "/admin/users"): "page_admin",
    ("POST", "/admin/users"): "page_admin",
    ("POST", "/admin/users/{user_id}/role"): "page_admin",
    ("POST", "/admin/users/{user_id}/deactivate"): "page_admin",
    ("POST", "/admin/users/{user_id}/reactivate"): "page_admin",
    ("POST", "/admin/users/{user_id}/unlock"): "page_admin",
    ("GET", "/admin/tokens"): "page_admin",
    ("POST", "/admin/tokens"): "page_admin",
    ("POST", "/admin/tokens/{token_id}/revoke"): "page_admin",
    ("GET", "/admin/catalogue"): "page_admin",
    ("POST", "/admin/catalogue"): "page_admin",
    ("POST", "/admin/catalogue/{entry_id}/delete"): "page_admin",
    ("GET", "/admin/audit"): "page_admin",
    ("GET", "/admin/audit.csv"): "page_admin",
    # embeds (a valid link's token)
    ("GET", "/embed/{token}"): "embed",
    ("GET", "/embed/{token}/envelope"): "embed",
    ("GET", "/embed/{token}/events"): "embed",
}

# Server-Sent Events: never read to the end; status and content type only.
SSE = {("GET", "/cases/{case_id}/events"), ("GET", "/embed/{token}/events")}

# Pairs not run, each with its reason. (None: Starlette's TestClient hands back a
# streaming response as soon as its headers are sent, so the SSE routes need no skip.)
SKIPS: dict[tuple[tuple[str, str], str], str] = {}



# --- the world the checks run in -------------------------------------------------------


@dataclass
class World:
    app: Any
    db: Database
    setup: TestClient  # the write token of team A, for making fresh cases and links
    clients: dict[str, TestClient]
    csrf: dict[str, str]  # web role -> its session's CSRF token
    user_ids: dict[str, int]
    team_a: str
    team_a_id: int
    team_b_id: int
    probe_user: str  # whom POST /login logs in (not one of the roles' users)

    def new_case(self) -> int:
        response = self.setup.post("/api/v1/cases",
                                   json=claus_nu().model_dump(mode="json", exclude_none=True))
        assert response.status_code == 201, response.text
        assert response.json()["version"] == 1
        return int(response.json()["id"])

    def bump(self, case_id: int) -> None:
        """One change, so the case is at version 2 (undo needs something to undo)."""
        response = self.setup.patch(f"/api/v1/cases/{case_id}", json={"label": "Claus (ændret)"},
                                    headers={"If-Match": '"1"'})
        assert response.status_code == 200, response.text

    def embed(self, case_id: int) -> tuple[int, str]:
        """A fresh embed link of the case: (id, token)."""
        response = self.setup.post(f"/api/v1/cases/{case_id}/embeds", json={})
        assert response.status_code == 201, response.text
        return int(response.json()["id"]), response.json()["url"].removeprefix("/embed/")

    def victim(self) -> int:
        """A fresh editor of team A for the admin's user forms (never logs in)."""
        with self.db.session() as session:
            user = m.User(username=f"victim-{secrets.token_hex(4)}", password_hash="!")
            user.memberships.append(m.Membership(team_id=self.team_a_id, role="editor"))
            session.add(user)
            session.commit()
            return user.id

    def spare_token(self) -> int:
        with self.db.session() as session:
            secret = accounts.create_token(session, self.team_a, "read", "spare")
            token_id = session.scalar(select(m.ApiToken.id).where(
                m.ApiToken.token_hash == hash_token(secret)))
            assert token_id is not None
            return token_id

    def catalogue_entry(self) -> int:
        with self.db.session() as session:
            entry = m.CatalogueEntry(kind="sector", name=f"matrix-{secrets.token_hex(4)}")
            session.add(entry)
            session.commit()
            return entry.id

    def second_session(self, role: str) -> tuple[str, str]:
        """Another session of the role's user, for POST /logout to end: (cookie, csrf).

        Logging out ends the session for good; the role's own login (made once, through
        the form) must survive for the other checks.
        """
        token, csrf = new_secret(), new_secret()
        with self.db.session() as session:
            session.add(m.WebSession(token_hash=hash_token(token),
                                     user_id=self.user_ids[role], csrf=csrf))
            session.commit()
        return token, csrf


def _csrf_of(html: str) -> str:
    return csrf_token(html)


@pytest.fixture(scope="module")
def world(settings: Settings) -> Iterator[World]:
    suffix = secrets.token_hex(4)
    team_a, team_b = f"matrix-a-{suffix}", f"matrix-b-{suffix}"
    database = Database(settings.database_url)
    tokens: dict[str, str] = {}
    usernames = {role: f"{role}-{suffix}" for role in WEB_ROLES}
    # Cheap argon2 parameters for these users: the login form checks them all the same
    # (the parameters travel in the hash), and the matrix logs in fifteen times.
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with database.session() as session, pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "hash_password", cheap.hash)
        team_a_id = accounts.create_team(session, team_a).id
        team_b_id = accounts.create_team(session, team_b).id
        user_ids = {role: accounts.create_user(
            session, usernames[role], PASSWORD, team_a if team == "A" else team_b,
            {"other_coordinator": "coordinator", "multi_team": "reader"}.get(role, role)).id
            for role, team in WEB_ROLES.items()}
        for role, (team, team_role) in MORE_TEAMS.items():
            user = session.get(m.User, user_ids[role])
            assert user is not None
            user.memberships.append(m.Membership(
                team_id=team_a_id if team == "A" else team_b_id, role=team_role))
        session.commit()
        accounts.create_user(session, f"probe-{suffix}", PASSWORD, team_a, "reader")
        tokens["read_token"] = accounts.create_token(session, team_a, "read", "matrix-read")
        tokens["write_token"] = accounts.create_token(session, team_a, "write", "matrix-write")
        tokens["revoked_token"] = accounts.create_token(session, team_a, "write", "revoked")
        tokens["other_token"] = accounts.create_token(session, team_b, "write", "matrix-other")
        revoked = session.scalar(select(m.ApiToken).where(
            m.ApiToken.token_hash == hash_token(tokens["revoked_token"])))
        assert revoked is not None
        revoked.revoked_at = datetime.now(UTC)
        session.commit()

    app = create_app(settings)
    bearer = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    with TestClient(app, follow_redirects=False,
                    headers=bearer["write_token"]) as setup:
        # One client (own cookie jar) per role; the app's lifespan runs once, in ``setup``.
        clients = {role: TestClient(app, follow_redirects=False, raise_server_exceptions=False,
                                    headers=bearer.get(role))
                   for role in ROLES}
        csrf: dict[str, str] = {}
        for role in WEB_ROLES:
            answer = log_in(clients[role], usernames[role])
            assert answer.status_code == 303, answer.text
            assert answer.headers["location"] == "/cases"
            listing = clients[role].get("/cases")
            assert listing.status_code == 200, listing.text
            csrf[role] = _csrf_of(listing.text)
        try:
            yield World(app=app, db=database, setup=setup, clients=clients, csrf=csrf,
                        user_ids=user_ids, team_a=team_a, team_a_id=team_a_id,
                        team_b_id=team_b_id,
                        probe_user=f"probe-{suffix}")
        finally:
            for c in clients.values():
                c.close()
    app.state.db.dispose()
    database.dispose()


# --- one request per route -------------------------------------------------------------


@dataclass
class Req:
    url: str
    json: Any = None
    data: dict[str, str] | None = None  # a page form; the role's csrf is added
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None


def _doc() -> dict[str, Any]:
    return claus_nu().model_dump(mode="json", exclude_none=True)


V1 = {"If-Match": '"1"'}

# Each builder gets the world, a fresh case of team A (version 1) and the role's client.
Builder = Callable[[World, int, TestClient], Req]


def _login_form(w: World, _case: int, c: TestClient) -> Req:
    """The login form as a browser fills it in: its CSRF value and cookie, then the post."""
    form = c.get("/login")
    assert form.status_code == 200
    return Req("/login", data={"username": w.probe_user, "password": PASSWORD,
                               "csrf": _csrf_of(form.text), "next": "/cases"})


def _undo(w: World, case: int, _c: TestClient) -> Req:
    w.bump(case)
    return Req(f"/cases/{case}/undo", data={"version": "2"})


def _revoke_embed(w: World, case: int, _c: TestClient) -> Req:
    embed_id, _token = w.embed(case)
    return Req(f"/api/v1/cases/{case}/embeds/{embed_id}")


def _embed(suffix: str) -> Builder:
    def build(w: World, case: int, _c: TestClient) -> Req:
        _id, token = w.embed(case)
        return Req(f"/embed/{token}{suffix}")
    return build


REQUESTS: dict[tuple[str, str], Builder] = {
    # public
    ("GET", "/healthz"): lambda w, case, c: Req("/healthz"),
    ("GET", "/login"): lambda w, case, c: Req("/login"),
    ("POST", "/login"): _login_form,
    ("POST", "/lang"): lambda w, case, c: Req("/lang", data={"lang": "en", "next": "/cases"}),
    ("GET", "/"): lambda w, case, c: Req("/"),
    ("GET", "/static/vendor/{name}"): lambda w, case, c: Req("/static/vendor/htmx.min.js"),
    STATIC: lambda w, case, c: Req("/static/app.css"),
    ("GET", "/tilgaengelighed"): lambda w, case, c: Req("/tilgaengelighed"),
    ("GET", "/privatliv"): lambda w, case, c: Req("/privatliv"),
    ("GET", "/docs"): lambda w, case, c: Req("/docs"),
    ("GET", "/redoc"): lambda w, case, c: Req("/redoc"),
    ("GET", "/static/apidocs/{name}"): lambda w, case, c: Req("/static/apidocs/redoc-init.js"),
    # sign-on
    ("GET", "/login/oidc"): lambda w, case, c: Req("/login/oidc"),
    ("GET", "/login/oidc/callback"):
        lambda w, case, c: Req("/login/oidc/callback", params={"code": "x", "state": "y"}),
    ("GET", "/saml/login"): lambda w, case, c: Req("/saml/login"),
    ("GET", "/saml/metadata"): lambda w, case, c: Req("/saml/metadata"),
    ("POST", "/saml/acs"): lambda w, case, c: Req("/saml/acs", data={"SAMLResponse": "x"}),
    ("GET", "/saml/slo"): lambda w, case, c: Req("/saml/slo", params={"SAMLRequest": "x"}),
    ("GET", "/logout/sso"): lambda w, case, c: Req("/logout/sso"),
    # API without a case
    ("POST", "/api/v1/render.svg"): lambda w, case, c: Req("/api/v1/render.svg", json=_doc()),
    ("POST", "/api/v1/render.pdf"): lambda w, case, c: Req("/api/v1/render.pdf", json=_doc()),
    ("GET", "/api/v1/templates/prototype/{prototype}.pdf"):
        lambda w, case, c: Req("/api/v1/templates/prototype/2.pdf"),
    ("POST", "/api/v1/classify"): lambda w, case, c: Req("/api/v1/classify", json=_doc()),
    ("POST", "/api/v1/analyse"): lambda w, case, c: Req("/api/v1/analyse", json=_doc()),
    ("GET", "/api/v1/catalogue"): lambda w, case, c: Req("/api/v1/catalogue"),
    ("GET", "/api/v1/cases"): lambda w, case, c: Req("/api/v1/cases"),
    ("POST", "/api/v1/cases"): lambda w, case, c: Req("/api/v1/cases", json=_doc()),
    ("POST", "/api/v1/cases/import"): lambda w, case, c: Req(
        "/api/v1/cases/import", content=claus_nu().model_dump_json(exclude_none=True).encode(),
        headers={"Content-Type": "application/json"}),
    # API on a case
    ("GET", "/api/v1/cases/{case_id}"): lambda w, case, c: Req(f"/api/v1/cases/{case}"),
    ("GET", "/api/v1/cases/{case_id}/graph"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/graph"),
    ("GET", "/api/v1/cases/{case_id}/classification"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/classification"),
    ("GET", "/api/v1/cases/{case_id}/analysis"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/analysis"),
    ("GET", "/api/v1/cases/{case_id}/history"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/history"),
    ("GET", "/api/v1/cases/{case_id}/envelope.svg"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/envelope.svg"),
    ("GET", "/api/v1/cases/{case_id}/envelope.pdf"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/envelope.pdf"),
    ("GET", "/api/v1/cases/{case_id}/export.{fmt}"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/export.json"),
    ("GET", "/api/v1/cases/{case_id}/snapshots"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/snapshots"),
    ("GET", "/api/v1/cases/{case_id}/compare"): lambda w, case, c: Req(
        f"/api/v1/cases/{case}/compare", params={"left": "v1", "right": "v1"}),
    ("GET", "/api/v1/cases/{case_id}/embeds"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/embeds"),
    ("PATCH", "/api/v1/cases/{case_id}"): lambda w, case, c: Req(
        f"/api/v1/cases/{case}", json={"label": "Claus (ny)"}, headers=V1),
    ("DELETE", "/api/v1/cases/{case_id}"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}", headers=V1),
    ("PUT", "/api/v1/cases/{case_id}/graph"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/graph", json=_doc(), headers=V1),
    ("POST", "/api/v1/cases/{case_id}/actors"): lambda w, case, c: Req(
        f"/api/v1/cases/{case}/actors",
        json={"key": "mor", "kind": "network", "label": "Mor"}, headers=V1),
    ("PATCH", "/api/v1/cases/{case_id}/actors/{key}"): lambda w, case, c: Req(
        f"/api/v1/cases/{case}/actors/uu", json={"label": "UU-vejleder (ny)"}, headers=V1),
    ("DELETE", "/api/v1/cases/{case_id}/actors/{key}"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/actors/uu", headers=V1),
    ("POST", "/api/v1/cases/{case_id}/couplings"): lambda w, case, c: Req(
        f"/api/v1/cases/{case}/couplings", json={"source": "uu", "target": "rusmiddel"},
        headers=V1),
    ("PATCH", "/api/v1/cases/{case_id}/couplings/{a}/{b}"): lambda w, case, c: Req(
        f"/api/v1/cases/{case}/couplings/uu/ydelse", json={"state": "established"},
        headers=V1),
    ("DELETE", "/api/v1/cases/{case_id}/couplings/{a}/{b}"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/couplings/uu/ydelse", headers=V1),
    ("POST", "/api/v1/cases/{case_id}/snapshots"): lambda w, case, c: Req(
        f"/api/v1/cases/{case}/snapshots", json={"name": "Før mødet"}),
    ("POST", "/api/v1/cases/{case_id}/embeds"):
        lambda w, case, c: Req(f"/api/v1/cases/{case}/embeds", json={"days": 7}),
    ("DELETE", "/api/v1/cases/{case_id}/embeds/{embed_id}"): _revoke_embed,
    # pages without a case
    ("GET", "/cases"): lambda w, case, c: Req("/cases"),
    ("POST", "/cases"): lambda w, case, c: Req(
        "/cases", data={"label": "Ny borger", "target_group": "voksne", "citizen": "Borger"}),
    ("POST", "/logout"): lambda w, case, c: Req("/logout", data={}),
    # pages on a case
    ("GET", "/cases/{case_id}"): lambda w, case, c: Req(f"/cases/{case}"),
    ("GET", "/cases/{case_id}/meeting"): lambda w, case, c: Req(f"/cases/{case}/meeting"),
    ("GET", "/cases/{case_id}/workspace"): lambda w, case, c: Req(
        f"/cases/{case}/workspace", headers={"HX-Request": "true"}),
    ("GET", "/cases/{case_id}/actors/{key}"): lambda w, case, c: Req(
        f"/cases/{case}/actors/uu", headers={"HX-Request": "true"}),
    ("GET", "/cases/{case_id}/couplings/{a}/{b}"): lambda w, case, c: Req(
        f"/cases/{case}/couplings/uu/ydelse"),
    ("GET", "/cases/{case_id}/events"): lambda w, case, c: Req(f"/cases/{case}/events"),
    ("GET", "/cases/{case_id}/print"): lambda w, case, c: Req(f"/cases/{case}/print"),
    ("GET", "/cases/{case_id}/access-report"):
        lambda w, case, c: Req(f"/cases/{case}/access-report"),
    ("GET", "/cases/{case_id}/access-report.pdf"):
        lambda w, case, c: Req(f"/cases/{case}/access-report.pdf"),
    ("GET", "/cases/{case_id}/history"): lambda w, case, c: Req(f"/cases/{case}/history"),
    ("GET", "/cases/{case_id}/compare"): lambda w, case, c: Req(
        f"/cases/{case}/compare", params={"left": "v1", "right": "v1"}),
    ("POST", "/cases/{case_id}/actors"): lambda w, case, c: Req(
        f"/cases/{case}/actors", data={"label": "Mor", "kind": "network", "version": "1"}),
    ("POST", "/cases/{case_id}/actors/{key}"): lambda w, case, c: Req(
        f"/cases/{case}/actors/uu", data={"label": "UU-vejleder (ny)", "version": "1"}),
    ("POST", "/cases/{case_id}/actors/{key}/delete"):
        lambda w, case, c: Req(f"/cases/{case}/actors/uu/delete", data={"version": "1"}),
    ("POST", "/cases/{case_id}/actors/{key}/move"): lambda w, case, c: Req(
        f"/cases/{case}/actors/uu/move",
        data={"panel": "netvaerk", "ring": "3", "version": "1"}),
    ("POST", "/cases/{case_id}/couplings"): lambda w, case, c: Req(
        f"/cases/{case}/couplings", data={"source": "uu", "target": "rusmiddel", "version": "1"}),
    ("POST", "/cases/{case_id}/couplings/{a}/{b}"): lambda w, case, c: Req(
        f"/cases/{case}/couplings/uu/ydelse", data={"state": "established", "version": "1"}),
    ("POST", "/cases/{case_id}/couplings/{a}/{b}/delete"): lambda w, case, c: Req(
        f"/cases/{case}/couplings/uu/ydelse/delete", data={"version": "1"}),
    ("POST", "/cases/{case_id}/agreements"): lambda w, case, c: Req(
        f"/cases/{case}/agreements",
        data={"coupling": "uu|ydelse", "who": "uu", "what": "Ringer til Claus",
              "due": "2026-12-01", "version": "1"}),
    ("POST", "/cases/{case_id}/coordinator"): lambda w, case, c: Req(
        f"/cases/{case}/coordinator", data={"coordinator": "uu", "version": "1"}),
    ("POST", "/cases/{case_id}/undo"): _undo,
    ("POST", "/cases/{case_id}/snapshots"):
        lambda w, case, c: Req(f"/cases/{case}/snapshots", data={"name": "Før mødet"}),
    # admin pages
    ("GET", "/admin"): lambda w, case, c: Req("/admin"),
    ("GET", "/admin/users"): lambda w, case, c: Req("/admin/users"),
    ("POST", "/admin/users"): lambda w, case, c: Req("/admin/users", data={
        "team_id": str(w.team_a_id), "username": f"new-{secrets.token_hex(4)}",
        "password": PASSWORD, "role": "editor"}),
    ("POST", "/admin/users/{user_id}/role"): lambda w, case, c: Req(
        f"/admin/users/{w.victim()}/role",
        data={"team_id": str(w.team_a_id), "role": "coordinator"}),
    ("POST", "/admin/users/{user_id}/deactivate"):
        lambda w, case, c: Req(f"/admin/users/{w.victim()}/deactivate", data={}),
    ("POST", "/admin/users/{user_id}/reactivate"):
        lambda w, case, c: Req(f"/admin/users/{w.victim()}/reactivate", data={}),
    ("POST", "/admin/users/{user_id}/unlock"):
        lambda w, case, c: Req(f"/admin/users/{w.victim()}/unlock", data={}),
    ("GET", "/admin/tokens"): lambda w, case, c: Req("/admin/tokens"),
    ("POST", "/admin/tokens"): lambda w, case, c: Req("/admin/tokens", data={
        "team_id": str(w.team_a_id), "name": "nyt system", "scope": "read"}),
    ("POST", "/admin/tokens/{token_id}/revoke"):
        lambda w, case, c: Req(f"/admin/tokens/{w.spare_token()}/revoke", data={}),
    ("GET", "/admin/catalogue"): lambda w, case, c: Req("/admin/catalogue"),
    ("POST", "/admin/catalogue"): lambda w, case, c: Req("/admin/catalogue", data={
        "kind": "sector", "name": f"matrix-{secrets.token_hex(4)}", "note": ""}),
    ("POST", "/admin/catalogue/{entry_id}/delete"):
        lambda w, case, c: Req(f"/admin/catalogue/{w.catalogue_entry()}/delete", data={}),
    ("GET", "/admin/audit"): lambda w, case, c: Req("/admin/audit"),
    ("GET", "/admin/audit.csv"): lambda w, case, c: Req("/admin/audit.csv"),
    # embeds
    ("GET", "/embed/{token}"): _embed(""),
    ("GET", "/embed/{token}/envelope"): _embed("/envelope"),
    ("GET", "/embed/{token}/events"): _embed("/events"),
}


# --- running one check -----------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    content_type: str
    text: str
    asked: str  # the path (and query) asked for


def outcome(answer: Answer) -> str:
    if answer.status == 303:
        if answer.location.startswith("/login?"):
            return "login"
        if answer.location == "/login":
            return "logged_out"
        return "ok"
    if 200 <= answer.status < 300:
        return "ok"
    return str(answer.status)


def _send(client: TestClient, method: str, req: Req, headers: dict[str, str],
          data: dict[str, str] | None, sse: bool) -> Answer:
    asked = req.url + (f"?{urlencode(req.params)}" if req.params else "")
    kwargs: dict[str, Any] = {"headers": headers, "params": req.params}
    if req.json is not None:
        kwargs["json"] = req.json
    if data is not None:
        kwargs["data"] = data
    if req.content is not None:
        kwargs["content"] = req.content
    if sse:  # leave as soon as the headers are in: the stream never ends by itself
        with client.stream(method, req.url, **kwargs) as response:
            return Answer(response.status_code, response.headers.get("location", ""),
                          response.headers.get("content-type", ""), "", asked)
    response = client.request(method, req.url, **kwargs)
    return Answer(response.status_code, response.headers.get("location", ""),
                  response.headers.get("content-type", ""), response.text[:300], asked)


def run(w: World, key: tuple[str, str], role: str) -> Answer:
    method, _template = key
    client = w.clients[role]
    case = w.new_case()
    saved = list(client.cookies.jar)  # nothing a check does to the cookies may last
    try:
        req = REQUESTS[key](w, case, client)
        data = None if req.data is None else dict(req.data)
        if key == ("POST", "/logout") and role in WEB_ROLES:
            cookie, csrf = w.second_session(role)
            session_cookie = next(c for c in saved if c.name == "kuvert_session")
            other = copy.copy(session_cookie)
            other.value = cookie
            client.cookies.jar.set_cookie(other)
            assert data is not None
            data["csrf"] = csrf
        elif data is not None and role in WEB_ROLES and "csrf" not in data:
            data["csrf"] = w.csrf[role]
        return _send(client, method, req, dict(req.headers), data, key in SSE)
    finally:
        client.cookies.jar.clear()
        for cookie in saved:
            client.cookies.jar.set_cookie(cookie)


CHECKS = [pytest.param(key, role, id=f"{key[0]} {key[1]} | {role}")
          for key in ROUTES for role in ROLES]


@pytest.mark.parametrize(("key", "role"), CHECKS)
def test_access(world: World, settings: Settings, key: tuple[str, str], role: str) -> None:
    if (key, role) in SKIPS:
        pytest.skip(SKIPS[key, role])
    expected = EXPECTED[ROUTES[key]][role]
    answer = run(world, key, role)
    got = outcome(answer)
    assert got == expected, (
        f"{key[0]} {key[1]} as {role}: expected {expected}, got {got} "
        f"(HTTP {answer.status}, location {answer.location!r}): {answer.text[:200]!r}")
    if got == "login":  # and back to where the caller was heading
        assert parse_qs(urlsplit(answer.location).query)["next"] == [answer.asked]
    if got == "ok" and key in SSE:
        assert answer.content_type.startswith("text/event-stream"), answer.content_type
    backend = figures.backend_of(settings.database_url)
    figures.count("access matrix", backend)
    skipped = f" ({len(SKIPS)} pairs skipped, each with its reason)" if SKIPS else ""
    figures.record("access matrix", backend,
                   f"{len(ROUTES)} routes × {len(ROLES)} kinds of caller: "
                   f"{figures.counted('access matrix', backend)} checks answered as the table "
                   f"says{skipped}")


# --- the table itself ------------------------------------------------------------------


def test_the_table_lists_exactly_the_apps_routes(settings: Settings) -> None:
    routes = app_routes(settings)
    missing = sorted(routes - ROUTES.keys())
    stale = sorted(ROUTES.keys() - routes)
    assert not missing and not stale, (
        f"routes the access table does not list (add them): {missing}; "
        f"routes it lists that the app no longer has (remove them): {stale}")


def test_the_table_is_whole() -> None:
    assert REQUESTS.keys() == ROUTES.keys()
    assert set(ROUTES.values()) <= EXPECTED.keys()
    for category, row in EXPECTED.items():
        assert tuple(row) == ROLES, f"category {category} must name every role, in order"
    assert ROUTES.keys() >= SSE
    assert all(key in ROUTES and role in ROLES for key, role in SKIPS)


# --- outside the matrix: FastAPI's schema, and embed links that are not valid ------------


def test_openapi_is_public(world: World) -> None:
    answer = world.clients["anonymous"].get("/openapi.json")
    assert answer.status_code == 200
    assert answer.json()["info"]["title"] == "Kuvert"


@pytest.mark.parametrize("suffix", ["", "/envelope", "/events"])
def test_embed_with_unknown_or_revoked_link(world: World, suffix: str) -> None:
    anonymous = world.clients["anonymous"]
    unknown = anonymous.get(f"/embed/{new_secret()}{suffix}")
    assert unknown.status_code == 404, unknown.text
    case = world.new_case()
    embed_id, token = world.embed(case)
    assert world.setup.delete(f"/api/v1/cases/{case}/embeds/{embed_id}").status_code == 204
    gone = anonymous.get(f"/embed/{token}{suffix}")
    assert gone.status_code == 410, gone.text



# --- outside the matrix: a user with different roles in two teams ------------------------


def test_multi_team_user_creates_cases_only_where_it_writes(world: World) -> None:
    """Reader in A, editor in B: a new case asked for in A is refused, in B made."""
    client, csrf = world.clients["multi_team"], world.csrf["multi_team"]
    form = {"csrf": csrf, "label": "Ny borger", "target_group": "voksne"}
    refused = client.post("/cases", data={**form, "team_id": str(world.team_a_id)})
    assert refused.status_code == 403, refused.text
    made = client.post("/cases", data={**form, "team_id": str(world.team_b_id)})
    assert made.status_code == 303, made.text
    case_id = int(made.headers["location"].rsplit("/", 1)[1])
    with world.db.session() as session:
        case = session.get(m.Case, case_id)
        assert case is not None and case.team_id == world.team_b_id


def test_multi_team_user_changes_team_b_cases_but_not_team_a_cases(world: World) -> None:
    client, csrf = world.clients["multi_team"], world.csrf["multi_team"]
    in_b = world.clients["other_token"].post("/api/v1/cases", json=_doc())
    assert in_b.status_code == 201, in_b.text
    in_a = world.new_case()
    actor = {"csrf": csrf, "label": "Mor", "kind": "network", "version": "1"}
    assert client.post(f"/cases/{in_a}/actors", data=actor).status_code == 403
    assert client.post(f"/cases/{in_b.json()['id']}/actors", data=actor).status_code == 303
    with world.db.session() as session:
        versions = {case_id: session.scalar(select(m.Case.version).where(m.Case.id == case_id))
                    for case_id in (in_a, in_b.json()["id"])}
    assert versions == {in_a: 1, in_b.json()["id"]: 2}
