"""Addresses and option lists for the templates, taken from the code instead of typed in.

Pages link to each other by route name (``page.show_case``), so a path is written once,
in its route's decorator; the templates and the page routes' redirects ask the app's
router for it. The choice lists of the forms (kinds, panels, coupling states, bands)
come from :mod:`app.graph.document`, the vocabulary the document itself is checked by.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

from babel.numbers import format_decimal
from jinja2 import Environment
from markupsafe import Markup, escape
from starlette.requests import Request

from app import i18n
from app.errors import N_
from app.graph import document

#: Actor kinds a person may add; the citizen is every case's given centre.
ADDABLE_KINDS: tuple[str, ...] = tuple(k for k in document.ACTOR_KINDS if k != "citizen")

#: The bands that carry a word besides their number, nearest and farthest.
RING_NAMES: dict[int, str] = {document.RINGS[0]: N_("1 – tættest"),
                              document.RINGS[-1]: N_("3 – længst væk")}

Query = Mapping[str, Any] | None


#: Per app: each route name and set of parameter names as a format string, so that a page
#: with a few hundred links asks the router once per kind of link. (The router's own
#: lookup walks every route: it was more than half of an 80-actor case page's time.)
_shapes: weakref.WeakKeyDictionary[Any, dict[tuple[str, frozenset[str]], str | None]] = (
    weakref.WeakKeyDictionary())
#: Stand-ins the router formats where the parameters go; digits, so a route with an
#: ``int`` parameter takes them too, given as text, as a mount's ``path`` must be.
_PROBE = 7_341_000_000


def _shape(app: Any, name: str, params: frozenset[str]) -> str | None:
    """The path of ``name`` with ``{param}`` where each parameter goes, or None if the
    router's answer cannot be read that way (then every call asks the router)."""
    probes = {key: str(_PROBE + i) for i, key in enumerate(sorted(params))}
    path = str(app.url_path_for(name, **probes))
    if "{" in path or "}" in path:
        return None
    for key, probe in probes.items():
        if path.count(probe) != 1:
            return None
        path = path.replace(probe, "{" + key + "}")
    return path


def _path(app: Any, name: str, params: dict[str, Any]) -> str:
    shapes = _shapes.setdefault(app, {})
    key = (name, frozenset(params))
    if key not in shapes:
        shapes[key] = _shape(app, name, key[1])
    shape = shapes[key]
    said = {k: str(v) for k, v in params.items()}
    # What the router's own check refuses (an empty value, a "/" in one segment, a
    # negative number) goes to the router, which says no as it always did.
    if shape is None or any(not v or "/" in v or v.startswith("-") for v in said.values()):
        return str(app.url_path_for(name, **params))
    return shape.format(**said)


def path_for(request: Request, name: str, query: Query = None, /, **params: Any) -> str:
    """The path of the route called ``name``, with ``query`` urlencoded after a ``?``.

    Query values that are None are left out, so an optional filter needs no ``if``.
    Values are quoted as Jinja's ``urlencode`` quotes them (``/`` kept, space ``%20``),
    so a link reads as it did when the templates wrote them out. The first three are
    positional-only: a route may have a parameter called ``name``.
    """
    path = _path(request.app, name, params)
    if query:
        pairs = [(k, v) for k, v in query.items() if v is not None]
        if pairs:
            path += "?" + urlencode(pairs, safe="/", quote_via=quote)
    return path


def bound(request: Request, login: Any, case: Any) -> dict[str, Any]:
    """The helpers a page's template calls, bound to the request it answers: ``path_for``
    and, on a page about a case, ``case_form``.

    Plain callables rather than ``pass_context`` globals: Jinja derives a new context
    (a copy of every variable) for each ``pass_context`` call inside a loop, and a case
    page calls these a few hundred times in its lists.
    """
    helpers: dict[str, Any] = {"path_for": partial(path_for, request)}
    if case is not None and login is not None:
        helpers["case_form"] = partial(_case_form, request, login.csrf, case.id, case.version)
    return helpers


def _case_form(request: Request, csrf: str, case_id: int, case_version: int, route: str, /,
               *, id: str | None = None, attrs: Mapping[str, Any] | None = None,
               version: bool = True, **params: Any) -> Markup:
    """The opening of a form that changes the case the page shows; the template closes it
    with ``</form>``.

    The route is named once and gives both the action (without JavaScript) and
    ``hx-post``; the session's CSRF token and the version the change was made against ride
    along (``version=False`` for a change that is not an edit of the document).
    ``hx-target``/``hx-swap`` come from ``#workspace`` (htmx inheritance); a form that
    swaps something else says so in ``attrs``. ``class`` is a keyword argument like the
    route's own parameters (``key``, ``a``, ``b``).

    A function, not a Jinja call block: a case page draws a few hundred of these (two
    per actor and per coupling), and the macro's calling and re-wrapping of its body was
    a fifth of an 80-actor page's time.
    """
    css = params.pop("class", None)
    path = escape(path_for(request, route, case_id=case_id, **params))
    html = [f'<form{_attr("id", id)}{_attr("class", css)} method="post" action="{path}" '
            f'hx-post="{path}"']
    html.extend(_attr(k, v) for k, v in (attrs or {}).items())
    html.append(f'>\n  <input type="hidden" name="csrf" value="{escape(csrf)}">')
    if version:
        html.append(f'<input type="hidden" name="version" value="{case_version:d}">')
    return Markup("".join(html))


def _attr(name: str, value: Any) -> str:
    return "" if value is None else f' {name}="{escape(value)}"'


def _format_decimal(number: float) -> str:
    """A number as the page's language writes it ("7,2" in Danish, "7.2" in English)."""
    return format_decimal(number, locale=i18n.current.get())


def install(env: Environment) -> None:
    """Make number formatting and the option lists globals of the page templates
    (``path_for`` and ``case_form`` come with each page: :func:`bound`)."""
    env.globals.update(format_decimal=_format_decimal,
                       actor_kinds=ADDABLE_KINDS,
                       coupling_states=document.COUPLING_STATES, panels=document.PANELS,
                       target_groups=document.TARGET_GROUPS,
                       rings=document.RINGS, ring_names=RING_NAMES)
