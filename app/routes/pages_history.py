"""The history page (every change, named snapshots) and two versions side by side.

Saving a snapshot works without JavaScript (post, then redirect back); with htmx
the answer is the page's ``snapshots`` fragment, showing a refusal if there is one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from app import i18n, snapshots
from app.errors import N_, Conflict
from app.graph.classify import Classification, classify
from app.graph.compare import compare
from app.graph.errors import DocumentInvalid, Problem
from app.graph.svg import render_svg
from app.snapshots import Overview, Side
from app.web.deps import CaseId, SessionDep, SettingsDep
from app.web.pages import CsrfLoginDep, LoginDep, fragment, page, templates
from app.web.template_globals import path_for

router = APIRouter(tags=["sider"], include_in_schema=False)

# What a changed field is called on the page (msgids; translated in the template).
FIELD_NAMES = {
    "label": N_("Navn eller rolle"), "kind": N_("Type"), "profession": N_("Faggruppe"),
    "sector": N_("Sektor"), "organisation": N_("Organisation"),
    "panel": N_("Placering i kuverten"), "ring": N_("Afstand til borgeren"),
    "contribution": N_("Kan bidrage med"), "contact": N_("Kontakt"), "state": N_("Status"),
    "topic": N_("Emne"),
}
CASE_FIELD_NAMES = {"label": N_("Navn"), "target_group": N_("Målgruppe")}

Ref = Annotated[str | None, Query(max_length=14)]


def person(principal: str) -> str:
    """Who made a change, in words: "user:mette" is "mette", a token is named as one.

    >>> person("user:mette"), person("token:3:sagssystem")
    ('mette', 'adgangsnøglen «sagssystem»')
    """
    kind, _sep, rest = principal.partition(":")
    if kind == "user" and rest:
        return rest
    if kind == "token" and rest:
        return i18n.gettext("adgangsnøglen «%(name)s»") % {"name": rest.partition(":")[2] or rest}
    if kind == "system":
        return i18n.gettext("systemet")
    return principal


templates.env.filters["person"] = person


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _choices(over: Overview) -> dict[str, list[tuple[str, str]]]:
    """The snapshots and versions one can compare, as (ref, what the option says)."""
    return {
        "snapshots": [(s.ref, f"{s.name} (version {s.version})")
                      for s in reversed(over.snapshots)],
        "versions": [(f"v{e.version}", f"Version {e.version} – {e.at.strftime('%d.%m.%Y %H:%M')}"
                      f" – {e.summary[:80]}") for e in over.events],
    }


def _history_context(over: Overview, **extra: Any) -> dict[str, Any]:
    version = over.case.version
    return {"case": over.case, "events": over.events, "snapshots": over.snapshots,
            "choices": _choices(over), "left": f"v{max(version - 1, 1)}",
            "right": f"v{version}", **extra}


@router.get("/cases/{case_id}/history", name="page.show_history")
def show_history(request: Request, session: SessionDep, login: LoginDep,
                 case_id: CaseId) -> Response:
    """Every change to the case, its snapshots, and the form to compare two of them."""
    over = snapshots.overview(session, login.principal, case_id, i18n.gettext)
    response = page(request, "cases/history.html", _history_context(over), login=login)
    response.headers["Vary"] = "HX-Request"
    return response


@router.post("/cases/{case_id}/snapshots", name="page.save_snapshot")
def save_snapshot(request: Request, session: SessionDep, login: CsrfLoginDep, case_id: CaseId,
                  name: Annotated[str, Form(max_length=1000)] = "") -> Response:
    """Save the network as it is now under a name."""
    problems: list[Problem] = []
    status = 200
    try:
        snapshots.create_snapshot(session, login.principal, case_id, name)
    except DocumentInvalid as exc:
        status, problems = 422, i18n.say_problems(exc.problems)
    except Conflict as exc:
        status, problems = 409, [Problem("name", exc.code, i18n.say(exc))]
    if not _is_htmx(request) and status == 200:
        return RedirectResponse(
            path_for(request, "page.show_history", case_id=case_id) + "#snapshots",
            status_code=303)
    context = _history_context(snapshots.overview(session, login.principal, case_id, i18n.gettext),
                               problems=problems, name=name if problems else "")
    if _is_htmx(request):
        return fragment(request, "cases/history.html", "snapshots", context,
                        status_code=status, login=login)
    return page(request, "cases/history.html", context, status_code=status, login=login)


def _drawn(side: Side, classification: Classification, id_prefix: str) -> Markup:
    svg = render_svg(side.document, prototype=classification.prototype,
                     words=i18n.words_for(i18n.current.get()), on=side.at.date(),
                     id_prefix=id_prefix)
    return Markup(svg)  # our own renderer's output; every text in it is escaped


@router.get("/cases/{case_id}/compare", name="page.compare_versions")
def compare_versions(request: Request, session: SessionDep, settings: SettingsDep,
                     login: LoginDep, case_id: CaseId, left: Ref = None,
                     right: Ref = None) -> Response:
    """Two versions or snapshots side by side, with what was added, removed and changed."""
    if left is None or right is None:
        over = snapshots.overview(session, login.principal, case_id, i18n.gettext)
        context = _history_context(over)
        query = {"left": left or context["left"], "right": right or context["right"]}
        return RedirectResponse(
            path_for(request, "page.compare_versions", query, case_id=case_id),
            status_code=303)
    pair = snapshots.versions_for_compare(session, login.principal, case_id, left, right)
    over = snapshots.overview_of(session, pair.case, i18n.gettext)
    before = classify(pair.left.document, settings.thresholds)
    after = classify(pair.right.document, settings.thresholds)
    labels = {a.key: a.label for a in pair.left.document.actors}
    labels.update({a.key: a.label for a in pair.right.document.actors})
    return page(request, "cases/compare.html", {
        "case": pair.case, "left": pair.left, "right": pair.right,
        "left_class": before, "right_class": after,
        "left_svg": _drawn(pair.left, before, "left-"),
        "right_svg": _drawn(pair.right, after, "right-"),
        "diff": compare(pair.left.document, pair.right.document),
        "labels": labels, "field_names": FIELD_NAMES, "case_field_names": CASE_FIELD_NAMES,
        "choices": _choices(over),
    }, login=login)
