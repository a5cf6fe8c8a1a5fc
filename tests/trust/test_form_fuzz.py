"""Hostile values in every field of every page and admin form: never a 5xx (issue 10, item 8).

The routes are the app's own: every POST route outside ``/api`` (except ``/logout``,
which would end the session the run needs). A route's fields are the form fields the
route declares (FastAPI form parameters, the CSRF token of its dependency included)
together with the fields of the forms the app's own pages render for it, so a route
added later is fuzzed without anyone listing it here. Each field in turn gets each
hostile value (and a few texts hypothesis makes up) while the other fields keep the
values the page filled in, with a valid CSRF token and a logged-in administrator.

An answer of 5xx, or an exception that would drop the connection, fails the test. The
case page's forms (app/routes/pages_case.py) have a test of their own, with their own
figures.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import routing
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from sqlalchemy import select

from app import accounts
from app import models as m
from app.config import Settings
from app.db import Database
from app.graph.examples import prototype_2
from app.main import create_app
from tests.helpers.clients import PASSWORD, Api, log_in
from tests.trust import figures

HOSTILE: list[str] = [
    "", " ", "x", "1.5", "1e3", "nan", "inf", "-1", "0", "\x00", "1\x00", "9" * 25,
    "-" + "9" * 25, "[" * 1000, "{" * 1000, "A" * 5000, "\u202eevil", "a\u200bb",
    "010203-1234", "010203\u20131234", "<script>alert(1)</script>", "' OR 1=1 --", "..",
    "../../etc/passwd", "%00", "\r\nX-Injected: 1", "\U0001f600" * 50, "true", "null",
    "ÆØÅ" * 100,
]
EXTRA_EXAMPLES = 4  # texts hypothesis makes up per field, besides the fixed ones
CASE_PAGE = "app.routes.pages_case"
# The case page's forms for one actor or coupling are drawn when opened: their own pages.
PAGES = ["/cases", "/cases/{case}", "/cases/{case}/workspace", "/cases/{case}/meeting",
         "/cases/{case}/actors/{key}", "/cases/{case}/couplings/{a}/{b}",
         "/cases/{case}/history", "/admin/users", "/admin/tokens", "/admin/catalogue"]


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    """The POST forms of a page: their action and the values the page filled in."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._open = Form(a.get("action", ""))
            self.forms.append(self._open)
        elif self._open is None:
            return
        elif tag in ("input", "textarea", "button") and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self._open.fields.setdefault(a["name"], "")
            else:
                self._open.fields[a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._open.fields.setdefault(self._select, "")
        elif tag == "option" and self._select is not None and (
                not self._open.fields[self._select] or "selected" in a):
            self._open.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None
        elif tag == "select":
            self._select = None


@dataclass
class Target:
    path: str  # the route's template
    module: str
    url: str
    fields: dict[str, str]  # field -> the value the page filled in


@dataclass
class World:
    client: TestClient
    targets: list[Target]
    backend: str


def _post_routes(app: Any) -> Iterator[tuple[str, str, set[str]]]:
    """(path template, module, declared form fields) of every page POST route."""
    for context in routing.iter_route_contexts(app.routes):
        route = getattr(context, "original_route", context)
        path = str(getattr(context, "path", None) or getattr(route, "path", ""))
        methods = getattr(context, "methods", None) or getattr(route, "methods", None) or ()
        if "POST" not in methods or path.startswith("/api/") or path == "/logout":
            continue
        yield path, route.endpoint.__module__, _declared(route.dependant)


def _declared(dependant: Any) -> set[str]:
    """The form fields a route reads, its dependencies' included; a form model's fields."""
    names: set[str] = set()
    for param in dependant.body_params:
        kind = getattr(param, "type_", None) or param.field_info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names |= {f.alias or n for n, f in kind.model_fields.items()}
        else:
            names.add(param.alias)
    for sub in dependant.dependencies:
        names |= _declared(sub)
    return names


@pytest.fixture(scope="module")
def world(settings: Settings, client: TestClient) -> Iterator[World]:
    db = Database(settings.database_url)
    team = f"fuzz-{secrets.token_hex(4)}"
    admin, other = f"admin-{secrets.token_hex(4)}", f"other-{secrets.token_hex(4)}"
    with db.session() as session:
        accounts.ensure_team(session, team)
        accounts.create_user(session, admin, PASSWORD, team, "admin")
        accounts.create_user(session, other, PASSWORD, team, "editor")
        api = Api(client, accounts.create_token(session, team, "write", "fuzz"), team)
        ids = {"user_id": session.scalar(select(m.User.id).where(m.User.username == other)),
               "token_id": session.scalar(select(m.ApiToken.id).join(m.Team).where(
                   m.ApiToken.name == "fuzz", m.Team.name == team)),
               "entry_id": session.scalar(select(m.CatalogueEntry.id).order_by(
                   m.CatalogueEntry.id.desc()))}
    db.dispose()
    doc = prototype_2()
    case_id, _ = api.create(doc)
    actors = [a.key for a in doc.actors if a.kind != "citizen"]
    coupling = doc.couplings[0]
    ids |= {"case_id": case_id, "key": actors[0], "a": coupling.source, "b": coupling.target}
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as browser:
        assert log_in(browser, admin).status_code == 303
        forms: list[Form] = []
        for page in PAGES:
            answer = browser.get(page.format(case=case_id, key=ids["key"], a=ids["a"],
                                             b=ids["b"]))
            assert answer.status_code == 200, page
            parser = _Forms()
            parser.feed(answer.text)
            forms += parser.forms
        csrf = next(f.fields["csrf"] for f in forms if "csrf" in f.fields)
        targets = []
        for path, module, declared in _post_routes(app):
            pattern = re.compile("^" + "[^/?#]+".join(
                re.escape(part) for part in re.split(r"\{[^}]+\}", path)) + "$")
            filled = {}
            for form in forms:
                if pattern.match(form.action.split("?")[0]):
                    filled = {**form.fields, **filled}
            fields = {name: "" for name in declared} | filled | {"csrf": csrf}
            url = path.format(**{k: ids.get(k, 1) for k in re.findall(r"{(\w+)}", path)})
            targets.append(Target(path, module, url, fields))
        # Logging in and the language last: neither may disturb the others.
        targets.sort(key=lambda t: t.path in ("/login", "/lang"))
        yield World(browser, targets, figures.backend_of(settings.database_url))
    app.state.db.dispose()


def made_up(check: Any) -> None:
    """``check`` on a few texts hypothesis makes up (any Unicode, up to 300 characters)."""

    @settings(max_examples=EXTRA_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.text(max_size=300))
    def run(value: str) -> None:
        check(value)

    run()


def _fuzz(world: World, targets: list[Target]) -> Counter[int]:
    answers: Counter[int] = Counter()
    failures: list[str] = []

    def post(target: Target, name: str, value: str) -> None:
        data = {**target.fields, name: value}
        try:
            status = world.client.post(target.url, data=data, follow_redirects=False,
                                       headers={"HX-Request": "true"} if len(value) % 2 else {}
                                       ).status_code
        except Exception as exc:
            failures.append(f"POST {target.url} {name}={value[:30]!r}: {exc!r}")
            return
        answers[status] += 1
        if status >= 500:
            failures.append(f"POST {target.url} {name}={value[:30]!r}: {status}")

    for target in targets:
        for name in target.fields:
            for value in HOSTILE:
                post(target, name, value)

            made_up(lambda value, t=target, n=name: post(t, n, value))
    assert not failures, f"{len(failures)} answers of 5xx or errors:\n" + "\n".join(
        failures[:40])
    return answers


def _figures(world: World, topic: str, targets: list[Target], answers: Counter[int]) -> None:
    fields = sum(len(t.fields) for t in targets)
    by_status = ", ".join(f"{n}× {status}" for status, n in sorted(answers.items()))
    figures.record(topic, world.backend,
                   f"{len(targets)} POST routes × {fields} fields in all, "
                   f"{sum(answers.values())} hostile posts; answers {by_status}; no 5xx")


def test_page_and_admin_forms_never_answer_5xx(world: World) -> None:
    targets = [t for t in world.targets if t.module != CASE_PAGE]
    assert {"/admin/users", "/admin/catalogue", "/cases/{case_id}/snapshots"} <= {
        t.path for t in targets}
    answers = _fuzz(world, targets)
    assert answers[422] > 0  # the refusals answer with the Danish problem list
    _figures(world, "Form fuzz (page and admin forms)", targets, answers)


def test_case_page_forms_never_answer_5xx(world: World) -> None:
    targets = [t for t in world.targets if t.module == CASE_PAGE]
    assert len(targets) >= 10 and all(t.fields.keys() - {"csrf"} for t in targets)
    answers = _fuzz(world, targets)
    _figures(world, "Form fuzz (case page forms)", targets, answers)
