"""The API's documentation pages (/docs, /redoc) with every asset served by the app.

Swagger UI (npm package swagger-ui-dist) and ReDoc (npm package redoc) are vendored
under static/, with their licences, so the pages work offline and on an intranet.
The pages carry no inline script: a self-only Content-Security-Policy lets them run.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
ASSETS = "/docs/static"


def _swagger_page(title: str, openapi_url: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} - Swagger UI</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui/swagger-ui.css">
<link rel="icon" type="image/png" href="{ASSETS}/swagger-ui/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-url="{escape(openapi_url)}"
     data-oauth2-redirect="/docs/oauth2-redirect"></div>
<script src="{ASSETS}/swagger-ui/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/swagger-init.js"></script>
</body>
</html>"""


def _redoc_page(title: str, openapi_url: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} - ReDoc</title>
<link rel="stylesheet" href="{ASSETS}/redoc.css">
</head>
<body>
<redoc spec-url="{escape(openapi_url)}"></redoc>
<script src="{ASSETS}/redoc/redoc.standalone.js"></script>
</body>
</html>"""


def install(app: FastAPI) -> None:
    """Serve /docs, /docs/oauth2-redirect and /redoc from the app's own files."""
    router = APIRouter(include_in_schema=False)
    title = app.title
    openapi_url = app.openapi_url or "/openapi.json"

    @router.get("/docs", response_class=HTMLResponse)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(_swagger_page(title, openapi_url))

    @router.get("/docs/oauth2-redirect", response_class=HTMLResponse)
    async def swagger_ui_redirect() -> HTMLResponse:
        return HTMLResponse(
            '<!doctype html><html lang="en"><head><title>Swagger UI: OAuth2 Redirect</title>'
            f'</head><body><script src="{ASSETS}/swagger-ui/oauth2-redirect.js"></script>'
            "</body></html>"
        )

    @router.get("/redoc", response_class=HTMLResponse)
    async def redoc() -> HTMLResponse:
        return HTMLResponse(_redoc_page(title, openapi_url))

    app.mount(ASSETS, StaticFiles(directory=STATIC), name="docs-static")
    app.include_router(router)
