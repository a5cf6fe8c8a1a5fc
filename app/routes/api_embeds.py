"""REST API v1: embed links for a case's live, read-only envelope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from app import embeds
from app.routes.api_cases import _ERRORS, _WRITE_ERRORS
from app.schemas import UtcDateTime
from app.web.deps import CaseId, PrincipalDep, RowId, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/cases/{case_id}/embeds", tags=["indlejring"])


class EmbedCreate(BaseModel):
    # strict: JSON only, so 0 is not read as pseudonymise=false nor "30" as days=30
    model_config = ConfigDict(extra="forbid", strict=True)

    days: Annotated[int, Field(ge=1, le=365)] = 30
    note: Annotated[str | None, Field(max_length=200, pattern=r"^[^\x00]*$")] = None
    pseudonymise: bool = True


class EmbedPublic(BaseModel):
    id: int
    note: str | None
    pseudonymised: bool
    created_by: str
    created_at: UtcDateTime
    expires_at: UtcDateTime
    revoked_at: UtcDateTime | None


class EmbedCreated(EmbedPublic):
    url: str = Field(description="The link itself; shown only now, never again.")


def _public(link: object) -> dict[str, object]:
    return {name: getattr(link, name) for name in EmbedPublic.model_fields}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EmbedCreated,
             responses=_WRITE_ERRORS)
def create_embed(session: SessionDep, who: PrincipalDep, settings: SettingsDep,
                 case_id: CaseId, body: EmbedCreate) -> EmbedCreated:
    """Make a read-only, expiring link to the case's live envelope (pseudonymised by default)."""
    new = embeds.create_link(session, who, case_id, body.days, settings.embed_max_days,
                             body.note, body.pseudonymise)
    return EmbedCreated(**_public(new.link), url=f"/embed/{new.token}")


@router.get("", response_model=list[EmbedPublic], responses=_ERRORS)
def list_embeds(session: SessionDep, who: PrincipalDep, case_id: CaseId) -> list[EmbedPublic]:
    """The case's embed links (without their secrets)."""
    return [EmbedPublic(**_public(link))
            for link in embeds.list_links(session, who, case_id)]


@router.delete("/{embed_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_WRITE_ERRORS)
def revoke_embed(session: SessionDep, who: PrincipalDep, case_id: CaseId,
                 embed_id: RowId) -> Response:
    """Revoke a link at once; anyone still viewing it is cut off."""
    embeds.revoke_link(session, who, case_id, embed_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
