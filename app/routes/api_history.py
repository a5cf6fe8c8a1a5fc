"""REST API v1: a case's named snapshots, and two versions compared."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from app import i18n, snapshots
from app.graph.classify import Classification, classify
from app.graph.compare import Comparison, compare
from app.routes.api_cases import _BODY_ERRORS, _ERRORS, _error
from app.schemas import UtcDateTime
from app.snapshots import Side, SnapshotPublic
from app.web.deps import CaseId, PrincipalDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/cases/{case_id}", tags=["historik"])


Ref = Annotated[str, Query(pattern=r"^[vs]\d{1,9}$", examples=["v1"],
                           description='En udgave ("v3") eller et øjebliksbillede ("s7")')]


class SnapshotCreate(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=snapshots.NAME_MAX, pattern=r"^[^\x00]*$",
                               examples=["Før mødet 12/3"])]


class ComparedSide(BaseModel):
    """One side of a comparison, with its classification."""

    ref: str
    name: str
    version: int
    at: UtcDateTime
    prototype: int
    classification: Classification


class Compared(BaseModel):
    left: ComparedSide
    right: ComparedSide
    comparison: Comparison


@router.get("/snapshots", response_model=list[SnapshotPublic], responses=_ERRORS)
def list_snapshots(session: SessionDep, who: PrincipalDep,
                   case_id: CaseId) -> list[SnapshotPublic]:
    """The case's named snapshots, oldest first."""
    return snapshots.list_snapshots(session, who, case_id)


@router.post("/snapshots", status_code=status.HTTP_201_CREATED, response_model=SnapshotPublic,
             responses={**_ERRORS, **_BODY_ERRORS,
                        403: _error("Adgangsnøglen må kun læse"),
                        409: _error("Navnet er allerede brugt i dette forløb"),
                        422: _error("Tomt, for langt eller ligner et CPR-nummer")})
def create_snapshot(session: SessionDep, who: PrincipalDep, case_id: CaseId,
                    body: SnapshotCreate, response: Response) -> SnapshotPublic:
    """Save the network as it is now under a name, to compare with later."""
    created = snapshots.create_snapshot(session, who, case_id, body.name)
    response.headers["Location"] = f"/api/v1/cases/{case_id}/snapshots"
    return created


def _side(side: Side, classification: Classification) -> ComparedSide:
    return ComparedSide(ref=side.ref, name=side.name, version=side.version, at=side.at,
                        prototype=classification.prototype,
                        classification=i18n.say_classification(classification))


@router.get("/compare", response_model=Compared, responses=_ERRORS)
def compare_versions(session: SessionDep, who: PrincipalDep, settings: SettingsDep,
                     case_id: CaseId, left: Ref, right: Ref, response: Response) -> Compared:
    """What differs between two versions or snapshots, and the prototype of each."""
    response.headers["Vary"] = "Accept-Language"
    pair = snapshots.versions_for_compare(session, who, case_id, left, right)
    return Compared(
        left=_side(pair.left, classify(pair.left.document, settings.thresholds)),
        right=_side(pair.right, classify(pair.right.document, settings.thresholds)),
        comparison=compare(pair.left.document, pair.right.document),
    )
