"""REST API v1: classify or analyse a document sent in the request; nothing is stored."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from app import i18n
from app.graph.analyse import Analysis, analyse
from app.graph.classify import Classification, classify
from app.graph.document import GraphDocument
from app.models import CatalogueEntry
from app.routes.api_cases import _BODY_ERRORS, _ERRORS
from app.web.deps import PrincipalDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["beregning"])


@router.post("/classify", response_model=Classification, responses=_BODY_ERRORS)
def classify_document(doc: GraphDocument, _who: PrincipalDep, settings: SettingsDep,
                      response: Response) -> Classification:
    """The prototype (1/2/3) of the network sent, with reasons; stores nothing."""
    response.headers["Vary"] = "Accept-Language"
    return i18n.say_classification(classify(doc, settings.thresholds))


@router.post("/analyse", response_model=Analysis, responses=_BODY_ERRORS)
def analyse_document(doc: GraphDocument, _who: PrincipalDep, response: Response) -> Analysis:
    """Warnings, brokers and coupling load of the network sent; stores nothing."""
    response.headers["Vary"] = "Accept-Language"
    return i18n.say_analysis(analyse(doc))


@router.get("/catalogue", tags=["katalog"], responses={401: _ERRORS[401]})
def show_catalogue(session: SessionDep, _who: PrincipalDep) -> dict[str, list[str]]:
    """Names to pick from: sectors, professions, organisations and panels."""
    catalogue: dict[str, list[str]] = {"sector": [], "profession": [], "organisation": [],
                                       "panel": []}
    for entry in session.scalars(select(CatalogueEntry).order_by(CatalogueEntry.id)):
        catalogue[entry.kind].append(entry.name)
    return catalogue
