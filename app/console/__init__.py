"""The staff console: server-rendered pages under /staff for librarians and administrators.

Every page calls the same services as the API (app/services/*), so no rule has a
second copy here. Every asset is served by the app itself (no CDN, no build step).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Mount the console's pages and static files on the app."""
    from app.console.routes import (
        admin,
        badges,
        challenges,
        compare,
        dashboard,
        members,
        review,
        settings,
        signin,
    )

    app.mount("/staff/static", StaticFiles(directory=STATIC), name="console-static")
    for module in (
        signin,
        dashboard,
        challenges,
        review,
        badges,
        members,
        settings,
        admin,
        compare,
    ):
        app.include_router(module.router)
