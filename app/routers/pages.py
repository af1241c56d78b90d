"""Public HTML pages: a share's landing page and a library's join page."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import OperationalError

from app.analytics import traffic
from app.core.clock import local_date
from app.core.db import transaction
from app.core.problems import problems
from app.deps import ClockDep, SessionDep, SettingsDep
from app.services import libraries, sharing
from app.share import render_gone, render_landing, render_library, render_not_found

router = APIRouter(tags=["pages"])

HTML: dict[str, Any] = {"content": {"text/html": {}}}


@router.get(
    "/s/{code}",
    response_class=HTMLResponse,
    responses={
        **problems(),
        200: {**HTML, "description": "The landing page"},
        404: {**HTML, "description": "Unknown share"},
        410: {**HTML, "description": "Share removed by its owner"},
    },
)
def share_landing(
    code: Annotated[str, Path(max_length=64)],
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    utm_source: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """A share's public page, with Open Graph tags for the social preview."""
    share = sharing.find(session, code)
    if share is None:
        return HTMLResponse(render_not_found(home_url=settings.public_base_url), 404)
    ctx = sharing.context_of(share)
    if share.deleted_at is not None:
        return HTMLResponse(
            render_gone(language=ctx.language, home_url=settings.public_base_url), 410
        )
    now = clock.now()
    lib = libraries.get_by_id(session, share.library_id)
    try:
        with transaction(request.app.state.engine) as writer:
            traffic.record_view(
                writer,
                share,
                now,
                lib.timezone,
                user_agent=request.headers.get("user-agent", ""),
                client=request.client.host if request.client else "",
                referer=request.headers.get("referer"),
                utm_source=utm_source,
                secret=settings.secret_key,
            )
    except OperationalError:
        pass  # a view count may be lost under load; the page is still served
    base = settings.public_base_url.rstrip("/")
    html = render_landing(
        ctx,
        url=f"{base}/s/{share.code}",
        image_url=f"{base}/v1/share/{share.code}/image?format=og",
        # The share's code rides along, so a join can be told from where it came.
        join_url=f"{sharing.join_url(base, lib)}?ref={share.code}",
    )
    return HTMLResponse(html)


@router.get(
    "/l/{slug}",
    response_class=HTMLResponse,
    responses={
        **problems(),
        200: {**HTML, "description": "The library's page"},
        404: {**HTML, "description": "Unknown library"},
    },
)
def library_page(
    slug: Annotated[str, Path(max_length=64)],
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    request: Request,
    lang: Literal["id", "en"] = "id",
    ref: Annotated[str | None, Query(max_length=16, pattern=r"^[A-Za-z0-9_-]+$")] = None,
) -> HTMLResponse:
    """A library's public page with its running challenges: where "join" leads."""
    language = lang
    lib = libraries.find_by_slug(session, slug)
    if lib is None:
        return HTMLResponse(
            render_not_found(language=language, home_url=settings.public_base_url), 404
        )
    today = local_date(clock.now(), lib.timezone)
    if ref:
        try:
            with transaction(request.app.state.engine) as writer:
                traffic.record_click(writer, ref, lib.id or 0, clock.now(), lib.timezone)
        except OperationalError:
            pass  # as for views: the page matters more than the count
    base = settings.public_base_url.rstrip("/")
    html = render_library(
        language=language,
        url=f"{base}/l/{lib.slug}",
        library_name=lib.name,
        hashtags=list(lib.hashtags),
        challenges=[
            (c.title, c.hashtag, c.starts_on.isoformat(), c.ends_on.isoformat())
            for c in sharing.active_challenges(session, lib, today)
        ],
        primary_color=lib.primary_color,
        accent_color=lib.accent_color,
        referral=ref,
    )
    return HTMLResponse(html)
