"""Addresses come from one place: every page route has a name, and the templates ask the
router for a path (``path_for``) instead of writing ``/cases/{{ case.id }}/…`` out."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.requests import Request

import app.routes
from app.config import ROOT
from app.web.pages import templates
from app.web.template_globals import bound, path_for

TEMPLATES = ROOT / "templates"
#: An attribute that holds an address and starts with a path written out by hand
#: (``href="/cases/{{ case.id }}"``, ``action="/admin/users"``), or a case path with a
#: Jinja expression in it anywhere (``"/cases/" ~ case.id``).
HAND_BUILT = re.compile(
    r"""(?:href|action|src|hx-(?:get|post|put|patch|delete)|sse-connect)\s*=\s*["']/"""
    r"""|/cases/\{\{|["']/cases/["']?\s*~""")


def _request(client: TestClient) -> Request:
    return Request({"type": "http", "app": client.app, "headers": []})


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")),
                         ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_writes_an_address_by_hand(path: Path) -> None:
    found = [f"{n}: {line.strip()}" for n, line in enumerate(path.read_text().splitlines(), 1)
             if HAND_BUILT.search(line)]
    assert found == [], "use path_for('page.…', …):\n" + "\n".join(found)


def test_every_page_route_is_named_for_its_function() -> None:
    modules = [importlib.import_module(f"app.routes.{m.name}")
               for m in pkgutil.iter_modules(app.routes.__path__) if m.name.startswith("pages_")]
    pages = [r for module in modules for r in module.router.routes if isinstance(r, APIRoute)]
    assert len(pages) > 40
    unnamed = [r.path for r in pages if r.name != f"page.{r.endpoint.__name__}"]
    assert unnamed == []


def test_path_for_builds_the_path_and_its_query(client: TestClient) -> None:
    request = _request(client)
    assert path_for(request, "page.show_case", case_id=7) == "/cases/7"
    assert path_for(request, "page.change_coupling", case_id=7, a="uu", b="mor") \
        == "/cases/7/couplings/uu/mor"
    assert path_for(request, "page.show_access_report", {"page": 2}, case_id=7) \
        == "/cases/7/access-report?page=2"
    # None is left out; "/" stays readable and a space is %20, as Jinja's urlencode wrote it.
    assert path_for(request, "page.start_oidc", {"next": "/cases/7?a b", "x": None}) \
        == "/login/oidc?next=/cases/7%3Fa%20b"
    assert path_for(request, "page.show_audit", {}) == "/admin/audit"
    # A route parameter may be called `name`: the route's own name is positional-only.
    assert path_for(request, "asset.vendor_file", name="sse.js") == "/static/vendor/sse.js"


def test_path_for_in_a_template_uses_the_page_request(client: TestClient) -> None:
    template = templates.env.from_string(
        "{% for n in [3] %}{{ path_for('page.print_case', {'pseudonymise': 'true'}, "
        "case_id=n) }}{% endfor %}")
    request = _request(client)
    assert template.render(**bound(request, None, None)) == "/cases/3/print?pseudonymise=true"


def test_path_for_says_what_the_router_says_for_every_page_route(client: TestClient) -> None:
    """``path_for`` keeps each route's shape instead of asking the router every time; for
    every page route, twice (the second from the kept shape), it gives the router's path,
    and what the router refuses it refuses too."""
    request = _request(client)
    modules = [importlib.import_module(f"app.routes.{m.name}")
               for m in pkgutil.iter_modules(app.routes.__path__) if m.name.startswith("pages_")]
    routes = [r for module in modules for r in module.router.routes if isinstance(r, APIRoute)]
    for route in routes:
        for value in (7, "uu-vejleder", "søn.2"):
            params = {p: value for p in route.param_convertors}
            try:
                expected = client.app.url_path_for(route.name, **params)  # type: ignore[attr-defined]
            except (AssertionError, ValueError):
                with pytest.raises((AssertionError, ValueError)):
                    path_for(request, route.name, **params)
                continue
            for _ in range(2):
                assert path_for(request, route.name, **params) == expected, route.name
    with pytest.raises(AssertionError):
        path_for(request, "page.change_coupling", case_id=7, a="u/u", b="mor")
