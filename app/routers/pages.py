"""Public HTML pages: a share's landing page and a library's join page."""

from __future__ import annotations

import contextlib
import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import OperationalError

from app.analytics import traffic
from app.core.clock import local_date
from app.core.db import transaction
from app.core.problem_docs import problems
from app.deps import ClockDep, ReplicaSessionDep, SessionDep, SettingsDep
from app.models.enums import Language
from app.programmes.reviews import service as reviews
from app.services import libraries, public_library, share_pages, sharing
from app.services.share_pages import PageCache, ViewCounter
from app.share import render_gone, render_landing, render_library, render_not_found
from app.share.landing import AppLinks

router = APIRouter(tags=["pages"])

HTML: dict[str, Any] = {"content": {"text/html": {}}}
# Browsers and previewers keep a page, but ask again (ETag) before showing it: a share
# can be withdrawn at any moment.
REVALIDATE = "public, no-cache"
_state_guard = threading.Lock()


def page_cache(request: Request, kind: str = "pages") -> PageCache:
    """This process's rendered pages (`pages`) or cards (`cards`, fewer: they are bigger)."""
    state = request.app.state
    name = f"share_{kind}_cache"
    cache: PageCache | None = getattr(state, name, None)
    if cache is None:
        with _state_guard:
            cache = getattr(state, name, None) or PageCache(
                share_pages.CARDS_KEPT if kind == "cards" else share_pages.PAGES_KEPT
            )
            setattr(state, name, cache)
    return cache


def view_counter(request: Request) -> ViewCounter:
    state = request.app.state
    counter: ViewCounter | None = getattr(state, "share_views", None)
    if counter is None:
        with _state_guard:
            counter = getattr(state, "share_views", None) or ViewCounter(
                state.engine, state.settings.share_view_flush_seconds
            )
            state.share_views = counter
    return counter


@router.get(
    "/s/{code}",
    response_class=HTMLResponse,
    responses={
        **problems(),
        200: {**HTML, "description": "The landing page"},
        304: {"description": "The page the client holds is still current"},
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
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A share's public page, with Open Graph tags for the social preview."""
    st = share_pages.state(session, code)
    if st is None:
        return HTMLResponse(render_not_found(home_url=settings.public_base_url), 404)
    if st.deleted:
        language: Literal["id", "en"] = "en" if st.language == "en" else "id"
        return HTMLResponse(render_gone(language=language, home_url=settings.public_base_url), 410)
    # A view count may be lost under load (write-through mode); the page is still served.
    with contextlib.suppress(OperationalError):
        share_pages.count_view(
            view_counter(request),
            st,
            clock.now(),
            user_agent=request.headers.get("user-agent", ""),
            client=request.client.host if request.client else "",
            referer=request.headers.get("referer"),
            utm_source=utm_source,
            secret=settings.secret_key,
        )
    cache = page_cache(request)
    key = ("share", st.code, st.version, settings.public_base_url)
    page = cache.get(key)
    if page is None:
        page = share_pages.page_of(_landing_html(session, st, settings.public_base_url))
        cache.put(key, page)
    headers = {"ETag": page.etag, "Cache-Control": REVALIDATE}
    if share_pages.matches(if_none_match, page.etag):
        return Response(status_code=304, headers=headers)
    return Response(page.html, media_type="text/html; charset=utf-8", headers=headers)


def _landing_html(session: SessionDep, st: share_pages.ShareState, base_url: str) -> str:
    ctx = sharing.context_from(share_pages.context_row(session, st.share_id))
    base = base_url.rstrip("/")
    return render_landing(
        ctx,
        url=f"{base}/s/{st.code}",
        image_url=f"{base}/v1/share/{st.code}/image?format=og",
        # The share's code rides along, so a join can be told from where it came.
        join_url=f"{base}/l/{st.library_slug}?ref={st.code}",
        app_links=AppLinks(st.play_store_url, st.app_store_url),
        referral=st.code,
    )


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
    session: ReplicaSessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    request: Request,
    lang: Language = Language.ID,
    ref: Annotated[str | None, Query(max_length=16, pattern=r"^[A-Za-z0-9_-]+$")] = None,
) -> HTMLResponse:
    """A library's public page: this month's challenges, its top readers, what readers
    say, the app's store links and sign-up with the share's code that led here."""
    language: Literal["id", "en"] = "en" if lang == Language.EN else "id"
    lib = libraries.find_by_slug(session, slug)
    if lib is None:
        return HTMLResponse(
            render_not_found(language=language, home_url=settings.public_base_url), 404
        )
    now = clock.now()
    today = local_date(now, lib.timezone)
    if ref:
        try:
            with transaction(request.app.state.engine) as writer:
                traffic.record_click(writer, ref, lib.id or 0, now, lib.timezone)
        except OperationalError:
            pass  # as for views: the page matters more than the count
    base = settings.public_base_url.rstrip("/")
    html = render_library(
        language=language,
        url=f"{base}/l/{lib.slug}",
        library_name=lib.name,
        hashtags=list(lib.hashtags),
        challenges=public_library.challenges_of_month(session, lib, today),
        primary_color=lib.primary_color,
        accent_color=lib.accent_color,
        testimonials=[(t.name, t.rating, t.text) for t in reviews.testimonials(session, lib)],
        readers=public_library.top_readers(session, lib, today),
        app_links=AppLinks(lib.play_store_url, lib.app_store_url),
        referral=ref,
    )
    return HTMLResponse(html)
