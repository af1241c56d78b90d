"""Sharing: build social posts for an achievement, withdraw them, fetch their cards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from app.core.problem_docs import problems
from app.core.problems import Problem, not_found
from app.deps import ClockDep, CurrentMember, IdempotencyKeyHeader, SessionDep, SettingsDep
from app.models.enums import CardFormat
from app.models.reading import BadgeBrief
from app.models.share import ShareCreate, SharePublic
from app.routers import pages
from app.services import share_pages, sharing

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
        304: {"description": "The card the client holds is still current"},
        **problems(404, 410),
    },
)
def get_share_image(
    share_id: ShareCode,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    format: Annotated[
        CardFormat, Query(description="story 1080x1920, square, og 1200x630")
    ] = CardFormat.OG,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The share's card; public, so the landing page and social previews can show it.
    It carries a strong ETag: a client that has it gets 304 without the image."""
    # The share's state on every request: a withdrawn card is never served from memory.
    st = share_pages.state(session, share_id)
    if st is None:
        raise not_found("Share")
    if st.deleted:
        raise Problem(410, "gone", "This share was removed by its owner.")
    cache = pages.page_cache(request, "cards")
    key = ("card", st.share_id, format.value)
    card = cache.get(key)
    if card is None:
        png = sharing.card(session, sharing.live(session, share_id), format, clock.now())
        card = share_pages.Page(png, share_pages.strong_etag(png))
        cache.put(key, card)
    # A card can be withdrawn (by its owner, a guardian's consent, a deletion): caches
    # revalidate it on every use, so a withdrawn card stops being served at once.
    headers = {"ETag": card.etag, "Cache-Control": "public, no-cache"}
    if share_pages.matches(if_none_match, card.etag):
        return Response(status_code=304, headers=headers)
    return Response(card.html, media_type="image/png", headers=headers)
