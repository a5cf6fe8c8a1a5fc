"""The layers stay visible: imports go one way, graph <- services <- web <- routes.

- ``app.graph`` is the pure Kuvertmodel: it imports nothing else from ``app`` and no web
  or database framework.
- Services (``app/*.py``, ``app/sso/``) import nothing from ``app.web`` or ``app.routes``,
  and no HTTP or template framework (FastAPI, Starlette, Jinja): middleware, responses,
  routers and the templates' gettext belong to ``app.web`` and ``app.routes``.
- ``app.web`` (the HTTP glue) imports nothing from ``app.routes``.
- ``app.main`` alone wires everything together, so nothing imports it.
- No function imports an ``app`` module: a lazy import hides a cycle instead of removing it.

Each module is read with ``ast``, not imported, so a violation is found whatever it would do.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.config import ROOT

APP = ROOT / "app"
FRAMEWORKS = frozenset({"fastapi", "sqlalchemy", "starlette", "jinja2"})
HTTP_FRAMEWORKS = frozenset({"fastapi", "starlette", "jinja2"})
COMPOSITION_ROOT = "app.main"
# Services that may still import an HTTP framework, each with the reason.
HTTP_EXEMPT = {
    # Authlib's Starlette client reads the sign-on state from the Starlette request itself
    # (request.session, request.query_params, request.app.state); nothing else will do.
    "app.sso.oidc",
}


@dataclass(frozen=True)
class Import:
    """One module an import statement names, where it stands, and whether a function holds it."""

    target: str
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name ``from … import`` reads from (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(module: str, source: str, is_package: bool = False) -> Iterator[Import]:
    """Every module ``source`` imports; ``from app import x`` names ``app.x``."""

    def visit(node: ast.AST, in_function: bool) -> Iterator[Import]:
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef
                                           | ast.Lambda)
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, node.lineno, in_function)
        elif isinstance(node, ast.ImportFrom):
            origin = _resolve(module, is_package, node)
            for alias in node.names:
                named = f"{origin}.{alias.name}" if _within(origin, "app") else origin
                yield Import(named, node.lineno, in_function)
        for child in ast.iter_child_nodes(node):
            yield from visit(child, inside)

    yield from visit(ast.parse(source), False)


def _within(target: str, package: str) -> bool:
    return target == package or target.startswith(package + ".")


def layer(module: str) -> str:
    for package in ("app.graph", "app.web", "app.routes"):
        if _within(module, package):
            return package.removeprefix("app.")
    return "main" if module == COMPOSITION_ROOT else "services"


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    """What in ``source`` (the text of ``module``) breaks the import direction."""
    found = []
    own = layer(module)
    for imp in imports(module, source, is_package):
        where = f"{module}:{imp.line} imports {imp.target}"
        ours = _within(imp.target, "app")
        if ours and imp.in_function:
            found.append(f"{where} inside a function (import it at the top)")
        if own == "graph" and ours and not _within(imp.target, "app.graph"):
            found.append(f"{where}: the graph library imports only itself")
        if own == "graph" and imp.target.split(".")[0] in FRAMEWORKS:
            found.append(f"{where}: the graph library stays free of web and database code")
        if own == "services" and (_within(imp.target, "app.web")
                                  or _within(imp.target, "app.routes")):
            found.append(f"{where}: services know nothing of HTTP")
        if (own == "services" and module not in HTTP_EXEMPT
                and imp.target.split(".")[0] in HTTP_FRAMEWORKS):
            found.append(f"{where}: services stay free of the HTTP framework "
                         "(it belongs in app.web or app.routes)")
        if own == "web" and _within(imp.target, "app.routes"):
            found.append(f"{where}: the HTTP glue serves the routes, not the other way")
        if own != "main" and _within(imp.target, COMPOSITION_ROOT):
            found.append(f"{where}: only the server imports the app's wiring")
    return found


def _modules() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def test_every_module_imports_in_the_direction_of_the_layers() -> None:
    found = [problem for path in _modules() for problem in violations(
        module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py")]
    assert found == []


def test_every_layer_has_modules() -> None:
    """The walk sees the tree (a wrong root would make the test above pass vacuously)."""
    layers = {layer(module_name(path)) for path in _modules()}
    assert layers == {"graph", "services", "web", "routes", "main"}


@pytest.mark.parametrize(("module", "source", "says"), [
    ("app.graph.svg", "from app.cases import dump\n", "imports only itself"),
    ("app.graph.svg", "from app import models\n", "imports only itself"),
    ("app.graph.layout", "import sqlalchemy\n", "free of web and database"),
    ("app.graph.layout", "from starlette.responses import Response\n", "free of web"),
    ("app.cases", "from app.web.pages import page\n", "know nothing of HTTP"),
    ("app.sso.people", "from app.routes import pages_sso\n", "know nothing of HTTP"),
    ("app.admin", "from app import web\n", "know nothing of HTTP"),
    ("app.streams", "from fastapi.responses import StreamingResponse\n", "free of the HTTP"),
    ("app.observability", "from starlette.types import ASGIApp\n", "free of the HTTP"),
    ("app.i18n", "import jinja2\n", "free of the HTTP"),
    ("app.sso.people", "from starlette.requests import Request\n", "free of the HTTP"),
    ("app.web.deps", "from app.routes.api_cases import router\n", "not the other way"),
    ("app.routes.health", "from app.main import create_app\n", "only the server"),
    ("app.cli", "def serve() -> None:\n    from app.checks import check\n", "inside a function"),
    ("app.web.error_handlers", "async def f() -> None:\n    import app.web.pages\n",
     "inside a function"),
    ("app.web.error_handlers", "from .. import routes\n", "not the other way"),
])
def test_a_violating_import_is_found(module: str, source: str, says: str) -> None:
    found = violations(module, source)
    assert found and says in found[0]


@pytest.mark.parametrize(("module", "source"), [
    ("app.graph.svg", "from app.graph.layout import Layout\nimport networkx\n"),
    ("app.cases", "from app.graph import edit\nfrom sqlalchemy import select\n"),
    ("app.routes.pages_case", "from app.web.pages import page\nfrom app import cases\n"),
    ("app.main", "from app.routes import health\nfrom app.web import error_handlers\n"),
    ("app.web.language", "from starlette.types import ASGIApp\n"),
    ("app.routes.testing", "from fastapi import APIRouter\n"),
    ("app.sso.oidc", "from starlette.requests import Request\n"),
    ("app.cli", "def serve() -> None:\n    import uvicorn\n"),
    ("app.config", "from typing import TYPE_CHECKING\n"
                   "if TYPE_CHECKING:\n    from app.graph.classify import Thresholds\n"),
])
def test_an_import_in_the_right_direction_passes(module: str, source: str) -> None:
    assert violations(module, source) == []
