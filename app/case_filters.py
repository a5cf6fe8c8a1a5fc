"""The case list's filters: text, target group, team, coordinator and prototype.

Every filter narrows the query in SQL. The prototype follows from the network and
the configured thresholds; each case stores the two counts it is decided by (distinct
professions and sectors, kept by the service layer on every write), and the query
compares them with the thresholds, so changing a threshold needs no recount.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, not_, or_, select
from sqlalchemy.orm import Session

from app import models as m
from app import read_audit
from app.audit import audit
from app.auth import Principal
from app.cases import page_of, visible_cases
from app.errors import N_, ServiceError
from app.graph.classify import Level, Thresholds, prototype_of
from app.graph.document import TARGET_GROUPS

__all__ = [
    "BadFilter",
    "CaseFilters",
    "FoundCase",
    "parse_filters",
    "search_cases_filtered",
    "team_choices",
]

class BadFilter(ServiceError):
    status = 422
    code = "invalid_filter"
    message = N_("Filteret kunne ikke bruges.")


@dataclass(frozen=True)
class FoundCase:
    """A case in the result, with the prototype its network has now."""

    case: m.Case
    prototype: Level


@dataclass(frozen=True)
class CaseFilters:
    """The filters as chosen in the form; ``None`` means "all"."""

    q: str | None = None
    target_group: str | None = None
    prototype: Level | None = None
    coordinator: bool | None = None
    team_id: int | None = None


def _blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def parse_filters(q: str | None = None, target_group: str | None = None,
                  prototype: str | None = None, coordinator: str | None = None,
                  team: str | None = None) -> CaseFilters:
    """The filters from the form's query parameters; an empty choice means "all".

    >>> parse_filters("claus", "unge", "2", "no", "")
    CaseFilters(q='claus', target_group='unge', prototype=2, coordinator=False, team_id=None)
    """
    group, kind, coord, team_text = (_blank(v) for v in (target_group, prototype,
                                                         coordinator, team))
    if group is not None and group not in TARGET_GROUPS:
        raise BadFilter(N_("Målgruppen skal være børn, unge, voksne eller familie."))
    if kind is not None and kind not in ("1", "2", "3"):
        raise BadFilter(N_("Prototypen skal være 1, 2 eller 3."))
    if coord is not None and coord not in ("yes", "no"):
        raise BadFilter(N_("Vælg om forløbet skal have en koordinator: ja eller nej."))
    if team_text is not None and not (team_text.isdigit() and len(team_text) <= 12):
        raise BadFilter(N_("Ukendt team."))
    return CaseFilters(
        q=_blank(q), target_group=group,
        prototype=cast(Level, int(kind)) if kind is not None else None,
        coordinator=None if coord is None else coord == "yes",
        team_id=int(team_text) if team_text is not None else None,
    )


def team_choices(session: Session, who: Principal) -> list[tuple[int, str]]:
    """The principal's teams as (id, name), by name: the form's team choices."""
    rows = session.execute(select(m.Team.id, m.Team.name)
                           .where(m.Team.id.in_(who.team_ids)).order_by(m.Team.name))
    return [(team_id, name) for team_id, name in rows]


def _narrowed(who: Principal, q: str | None, target_group: str | None,
              coordinator: bool | None, team_id: int | None) -> Select[m.Case]:
    query = visible_cases(who, q)
    if target_group is not None:
        query = query.where(m.Case.target_group == target_group)
    if team_id is not None:
        query = query.where(m.Case.team_id == team_id)
    if coordinator is True:
        query = query.where(m.Case.coordinator_key.is_not(None))
    elif coordinator is False:
        query = query.where(m.Case.coordinator_key.is_(None))
    return query


def _prototype_is(prototype: Level, limits: Thresholds) -> ColumnElement[bool]:
    """The cases whose stored counts give ``prototype`` under ``limits`` (docs/design.md §2)."""
    professions, sectors = m.Case.profession_count, m.Case.sector_count
    one = and_(professions <= limits.professions_level1, sectors <= limits.sectors_level1)
    three = or_(professions > limits.professions_level2, sectors > limits.sectors_level2)
    return {1: one, 2: and_(not_(one), not_(three)), 3: three}[prototype]


def search_cases_filtered(
    session: Session, who: Principal, q: str | None, target_group: str | None,
    prototype: int | None, coordinator: bool | None, team_id: int | None,
    offset: int, limit: int, thresholds: Thresholds,
    audited: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[list[FoundCase], int]:
    """The principal's cases that pass every filter given, newest change first.

    Parameters
    ----------
    session : Session
    who : Principal
        Only cases of the principal's teams are ever considered.
    q : str or None
        Part of the label (folded as the labels are), or the exact external reference.
    target_group : str or None
        ``boern``, ``unge``, ``voksne`` or ``familie``.
    prototype : int or None
        1, 2 or 3 under ``thresholds``.
    coordinator : bool or None
        True: only cases with a coordinator named; False: only cases without one.
    team_id : int or None
        One of the principal's teams; another team's id finds nothing.
    offset, limit : int
        The page of results.
    thresholds : Thresholds
        The installation's classification limits (``settings.thresholds``).

    Returns
    -------
    tuple of (list of FoundCase, int)
        The page of cases, each with its prototype, and how many match in all.

    Raises
    ------
    BadFilter
        An unknown target group or a prototype outside 1-3.

    Notes
    -----
    Writes one audit entry ``search`` with every term, and commits; or, with
    ``audited``, hands the entry to it (the case list page: the group-commit writer,
    which returns once the entry is committed). The prototype
    comes from the counts stored with each case (see :func:`app.cases.recount_all`),
    so no network is loaded: one query for the page and the count, one for the rows.
    """
    if target_group is not None and target_group not in TARGET_GROUPS:
        raise BadFilter(N_("Målgruppen skal være børn, unge, voksne eller familie."))
    if prototype is not None and prototype not in (1, 2, 3):
        raise BadFilter(N_("Prototypen skal være 1, 2 eller 3."))
    query = _narrowed(who, q, target_group, coordinator, team_id)
    if prototype is not None:
        query = query.where(_prototype_is(cast(Level, prototype), thresholds))
    page, total = page_of(session, query, offset, limit)
    rows = [FoundCase(case, prototype_of(case.profession_count, case.sector_count, thresholds))
            for case in page]
    detail = (f"q={q!r} target_group={target_group!r} prototype={prototype!r} "
              f"coordinator={coordinator!r} team={team_id!r} offset={offset} limit={limit}")
    audit_team = (team_id if team_id is not None and who.sees(team_id)
                  else (min(who.team_ids) if len(who.team_ids) == 1 else None))
    if audited is not None:  # by group commit (app/read_audit.py), committed on return
        audited(read_audit.row(who.name, who.channel, "search", None, audit_team, detail,
                               term=q))
        return rows, total
    audit(session, who, "search", detail=detail, term=q, team_id=audit_team)
    session.commit()
    return rows, total
