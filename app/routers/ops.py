"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.core.problem_handlers import answer
from app.core.problems import problem
from app.models.ops import Health, Readiness

router = APIRouter(tags=["ops"])


@router.get("/healthz", response_model=Health)
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"description": "The database is unreachable"}},
)
def readyz(request: Request) -> JSONResponse:
    """The process can reach its database."""
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return answer(request, problem("request.not-ready"))
    return JSONResponse({"status": "ready", "database": "ok"})
