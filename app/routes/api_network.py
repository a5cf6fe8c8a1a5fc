"""REST API v1: actors and couplings of a case, one at a time."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from app import cases
from app.graph.document import Actor, Coupling
from app.routes.api_cases import _WRITE_ERRORS
from app.schemas import ActorCreate, ActorPatch, CouplingCreate, CouplingPatch
from app.web.deps import (
    CaseId,
    IfMatchDep,
    PrincipalDep,
    SessionDep,
    VersionQuery,
    etag,
    expected,
)

router = APIRouter(prefix="/api/v1/cases/{case_id}", tags=["aktører og koblinger"])


def _fields(patch: ActorPatch | CouplingPatch) -> dict[str, Any]:
    return patch.model_dump(mode="json", exclude_unset=True, exclude={"version"})


@router.post("/actors", status_code=status.HTTP_201_CREATED, response_model=Actor,
             response_model_exclude_none=True, responses=_WRITE_ERRORS)
def add_actor(session: SessionDep, who: PrincipalDep, case_id: CaseId, body: ActorCreate,
              if_match: IfMatchDep, response: Response) -> Actor:
    """Add an actor to the network."""
    actor = body.model_dump(mode="json", exclude_none=True, exclude={"version"})
    case, doc = cases.add_actor(session, who, case_id, expected(if_match, body.version), actor)
    response.headers["ETag"] = etag(case.version)
    response.headers["Location"] = f"/api/v1/cases/{case_id}/actors/{body.key}"
    return doc.actor(body.key)


@router.patch("/actors/{key}", response_model=Actor, response_model_exclude_none=True,
              responses=_WRITE_ERRORS)
def change_actor(session: SessionDep, who: PrincipalDep, case_id: CaseId, key: str,
                 body: ActorPatch, if_match: IfMatchDep, response: Response) -> Actor:
    """Change an actor; fields left out stay, fields sent as null are cleared."""
    case, doc = cases.update_actor(session, who, case_id, expected(if_match, body.version),
                                   key, _fields(body))
    response.headers["ETag"] = etag(case.version)
    return doc.actor(key)


@router.delete("/actors/{key}", status_code=status.HTTP_204_NO_CONTENT,
               responses=_WRITE_ERRORS)
def remove_actor(session: SessionDep, who: PrincipalDep, case_id: CaseId, key: str,
                 if_match: IfMatchDep, version: VersionQuery = None) -> Response:
    """Remove an actor and its couplings."""
    case, _ = cases.remove_actor(session, who, case_id, expected(if_match, version), key)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"ETag": etag(case.version)})


@router.post("/couplings", status_code=status.HTTP_201_CREATED, response_model=Coupling,
             response_model_exclude_none=True, responses=_WRITE_ERRORS)
def couple_actors(session: SessionDep, who: PrincipalDep, case_id: CaseId, body: CouplingCreate,
                  if_match: IfMatchDep, response: Response) -> dict[str, Any]:
    """Say that two actors must couple (coordinate)."""
    coupling = body.model_dump(mode="json", exclude_none=True, exclude={"version"})
    case, doc = cases.add_coupling(session, who, case_id, expected(if_match, body.version),
                                   coupling)
    response.headers["ETag"] = etag(case.version)
    response.headers["Location"] = (
        f"/api/v1/cases/{case_id}/couplings/{body.source}/{body.target}"
    )
    return cases.coupling_of(doc, body.source, body.target)


@router.patch("/couplings/{a}/{b}", response_model=Coupling, response_model_exclude_none=True,
              responses=_WRITE_ERRORS)
def change_coupling(session: SessionDep, who: PrincipalDep, case_id: CaseId, a: str, b: str,
                    body: CouplingPatch, if_match: IfMatchDep,
                    response: Response) -> dict[str, Any]:
    """Change a coupling's state, topic or agreements; the order of a and b does not matter."""
    case, doc = cases.update_coupling(session, who, case_id, expected(if_match, body.version),
                                      a, b, _fields(body))
    response.headers["ETag"] = etag(case.version)
    return cases.coupling_of(doc, a, b)


@router.delete("/couplings/{a}/{b}", status_code=status.HTTP_204_NO_CONTENT,
               responses=_WRITE_ERRORS)
def uncouple_actors(session: SessionDep, who: PrincipalDep, case_id: CaseId, a: str, b: str,
                    if_match: IfMatchDep, version: VersionQuery = None) -> Response:
    """Remove a coupling."""
    case, _ = cases.remove_coupling(session, who, case_id, expected(if_match, version), a, b)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"ETag": etag(case.version)})
