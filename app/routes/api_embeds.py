"""REST API v1: embed links for a case's live, read-only envelope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from app import embeds
from app.deps import PrincipalDep, SessionDep, SettingsDep
from app.routes.api_cases import _ERRORS, _WRITE_ERRORS

router = APIRouter(prefix="/api/v1/cases/{case_id}/embeds", tags=["indlejring"])


class EmbedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: Annotated[int, Field(ge=1, le=365)] = 30
    note: Annotated[str | None, Field(max_length=200)] = None
    pseudonymise: bool = True


class EmbedPublic(BaseModel):
    id: int
    note: str | None
    pseudonymised: bool
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class EmbedCreated(EmbedPublic):
    url: str = Field(description="The link itself; shown only now, never again.")


def _public(link: object) -> dict[str, object]:
    return {name: getattr(link, name) for name in EmbedPublic.model_fields}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EmbedCreated,
             responses=_WRITE_ERRORS)
def create_embed(session: SessionDep, who: PrincipalDep, settings: SettingsDep, case_id: int,
                 body: EmbedCreate) -> EmbedCreated:
    """Make a read-only, expiring link to the case's live envelope (pseudonymised by default)."""
    new = embeds.create_link(session, who, case_id, body.days, settings.embed_max_days,
                             body.note, body.pseudonymise)
    return EmbedCreated(**_public(new.link), url=f"/embed/{new.token}")


@router.get("", response_model=list[EmbedPublic], responses=_ERRORS)
def list_embeds(session: SessionDep, who: PrincipalDep, case_id: int) -> list[EmbedPublic]:
    """The case's embed links (without their secrets)."""
    return [EmbedPublic(**_public(link))
            for link in embeds.list_links(session, who, case_id)]


@router.delete("/{embed_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_WRITE_ERRORS)
def revoke_embed(session: SessionDep, who: PrincipalDep, case_id: int,
                 embed_id: int) -> Response:
    """Revoke a link at once; anyone still viewing it is cut off."""
    embeds.revoke_link(session, who, case_id, embed_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
