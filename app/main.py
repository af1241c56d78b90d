"""The FastAPI application: routers, problem handlers, engine and clock on app.state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from app import apidocs, console
from app.core import http_safety
from app.core.clock import Clock
from app.core.config import Settings, get_settings
from app.core.db import make_engine
from app.core.limits import InFlightLimit
from app.core.openapi import install_openapi
from app.core.problem_handlers import install_problem_handlers
from app.integrations.bots import endpoints as bots
from app.integrations.openbadges import endpoints as openbadges
from app.integrations.slims import endpoints as slims
from app.integrations.webhooks import background
from app.integrations.webhooks import endpoints as webhooks
from app.programmes.routers import ROUTERS as PROGRAMME_ROUTERS
from app.routers import (
    account,
    analytics,
    auth,
    badges,
    books,
    challenges,
    leaderboards,
    libraries,
    me,
    moderation,
    ops,
    pages,
    reading,
    share,
)

API_DESCRIPTION = """
BacaQuest turns reading into points, badges, challenges and leaderboards for
Indonesian city libraries. Errors are `application/problem+json` (RFC 9457).
Authenticate with `POST /v1/auth/token` (the Authorize button) and send the
bearer token.
"""


def operation_id(route: APIRoute) -> str:
    """The route's name in camelCase (`create_reading_log` -> `createReadingLog`): clean
    method names in generated clients, which group operations by tag themselves."""
    head, *rest = route.name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync endpoints run on this thread pool; admitted requests use one thread
        # at a time each (see app.core.limits), so as many threads as admitted requests.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = settings.max_in_flight
        worker = background.start(app) if background.wanted(settings) else None
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            # Views counted in memory and not yet written (app.services.share_pages).
            views = getattr(app.state, "share_views", None)
            if views is not None:
                views.close()

    app = FastAPI(
        title="BacaQuest API",
        version="1.0.0",
        description=API_DESCRIPTION,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
        docs_url=None,  # served by app.apidocs from the app's own files
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)
    app.state.clock = clock or Clock()
    # Reads that may lag a little go to a streaming replica when one is configured.
    app.state.replica_engine = (
        make_engine(settings.database_replica_url, pool_size=settings.db_pool_size)
        if settings.database_replica_url
        else None
    )
    install_problem_handlers(app)
    # One in-flight request per pooled connection (see app.core.limits).
    app.add_middleware(InFlightLimit, limit=settings.max_in_flight)
    # Host, body size, security headers and CORS are checked before admission.
    http_safety.install(app, settings)
    # Routes are matched router by router in this order: the busiest come first.
    for module in (
        reading,
        me,
        leaderboards,
        books,
        challenges,
        badges,
        share,
        pages,
        auth,
        account,
        libraries,
        moderation,
        ops,
        analytics,
        slims,
        openbadges,
        bots,
        webhooks,
    ):
        app.include_router(module.router)
    for programme_router in PROGRAMME_ROUTERS:
        app.include_router(programme_router)
    if settings.docs_enabled:
        apidocs.install(app)
    console.install(app)
    install_openapi(app)
    return app
