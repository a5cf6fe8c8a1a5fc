"""Addresses and option lists for the templates, taken from the code instead of typed in.

Pages link to each other by route name (``page.show_case``), so a path is written once,
in its route's decorator; the templates and the page routes' redirects ask the app's
router for it. The choice lists of the forms (kinds, panels, coupling states, bands)
come from :mod:`app.graph.document`, the vocabulary the document itself is checked by.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from starlette.requests import Request

from app.errors import N_
from app.graph import document

#: Actor kinds a person may add; the citizen is every case's given centre.
ADDABLE_KINDS: tuple[str, ...] = tuple(k for k in document.ACTOR_KINDS if k != "citizen")

#: The bands that carry a word besides their number, nearest and farthest.
RING_NAMES: dict[int, str] = {document.RINGS[0]: N_("1 – tættest"),
                              document.RINGS[-1]: N_("3 – længst væk")}

Query = Mapping[str, Any] | None


def path_for(request: Request, name: str, query: Query = None, /, **params: Any) -> str:
    """The path of the route called ``name``, with ``query`` urlencoded after a ``?``.

    Query values that are None are left out, so an optional filter needs no ``if``.
    Values are quoted as Jinja's ``urlencode`` quotes them (``/`` kept, space ``%20``),
    so a link reads as it did when the templates wrote them out. The first three are
    positional-only: a route may have a parameter called ``name``.
    """
    path = str(request.app.url_path_for(name, **params))
    if query:
        pairs = [(k, v) for k, v in query.items() if v is not None]
        if pairs:
            path += "?" + urlencode(pairs, safe="/", quote_via=quote)
    return path


@pass_context
def _path_for(context: Context, name: str, query: Query = None, /, **params: Any) -> str:
    """:func:`path_for` for a template: the request is the one the page is rendered for."""
    return path_for(context["request"], name, query, **params)


def install(env: Environment) -> None:
    """Make ``path_for`` and the option lists globals of the page templates."""
    env.globals.update(path_for=_path_for, actor_kinds=ADDABLE_KINDS,
                       coupling_states=document.COUPLING_STATES, panels=document.PANELS,
                       target_groups=document.TARGET_GROUPS,
                       rings=document.RINGS, ring_names=RING_NAMES)
