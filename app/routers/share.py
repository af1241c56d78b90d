"""Sharing: build social posts for an achievement, withdraw them, fetch their cards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import JSONResponse

from app.core.problems import problems
from app.deps import ClockDep, CurrentMember, IdempotencyKeyHeader, SessionDep, SettingsDep
from app.models.enums import CardFormat
from app.models.reading import BadgeBrief
from app.models.share import ShareCreate, SharePublic
from app.services import sharing

router = APIRouter(prefix="/v1/share", tags=["share"])

ShareCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{8,16}$")]


class ShareCreated(SharePublic):
    badges_earned: list[BadgeBrief] = []


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ShareCreated,
    responses=problems(401, 403, 404, 409),
)
def create_share(
    data: ShareCreate,
    member: CurrentMember,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Posts for each platform, a public landing page and image cards for one achievement."""
    code, body = sharing.create_share_once(
        session, member, data, clock.now(), settings, idempotency_key
    )
    return JSONResponse(body, status_code=code)


@router.delete(
    "/{share_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 404, 410)
)
def delete_share(
    share_id: ShareCode, member: CurrentMember, session: SessionDep, clock: ClockDep
) -> None:
    """Withdraw a share: its landing page answers 410 from now on."""
    sharing.delete_share(session, member, share_id, clock.now())


@router.get(
    "/{share_id}/image",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "The card as PNG"},
        **problems(404, 410),
    },
)
def get_share_image(
    share_id: ShareCode,
    session: SessionDep,
    clock: ClockDep,
    format: Annotated[
        CardFormat, Query(description="story 1080x1920, square, og 1200x630")
    ] = CardFormat.OG,
) -> Response:
    """The share's card; public, so the landing page and social previews can show it."""
    share = sharing.live(session, share_id)
    png = sharing.card(session, share, format, clock.now())
    # A card can be withdrawn (by its owner, a guardian's consent, a deletion): caches
    # revalidate it on every use, so a withdrawn card stops being served at once.
    return Response(
        png,
        media_type="image/png",
        headers={"Cache-Control": "public, no-cache"},
    )
