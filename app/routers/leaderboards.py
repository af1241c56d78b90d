"""Leaderboards: a library's, a challenge's or a school's ranking by points in a period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.core.problem_docs import problems
from app.deps import ClaimsDep, ClockDep, FreshReplicaSessionDep, load_caller
from app.leaderboards.redis_setup import lifespan
from app.leaderboards.service import leaderboard
from app.models.enums import AgeGroup, BoardScope, Period
from app.models.leaderboard import Leaderboard

# The lifespan attaches the Redis index (when REDIS_URL is set) to the app's engine.
router = APIRouter(prefix="/v1/leaderboards", tags=["leaderboards"], lifespan=lifespan)


@router.get("", response_model=Leaderboard, responses=problems(401, 403, 404))
def get_leaderboard(
    claims: ClaimsDep,
    session: FreshReplicaSessionDep,
    clock: ClockDep,
    scope: Annotated[BoardScope, Query(description="Whose board")] = BoardScope.LIBRARY,
    board_id: Annotated[
        str | None,
        Query(
            alias="id",
            min_length=1,
            max_length=80,
            description="Library slug (your own unless admin), challenge id, or school name "
            "(staff; members see their own school).",
        ),
    ] = None,
    period: Annotated[
        Period, Query(description="The current local week (from Monday) or month")
    ] = Period.WEEK,
    age_group: Annotated[AgeGroup | None, Query(description="Only this age group")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Entries (1-100).")] = 10,
) -> Response:
    """Ranked by points in the period; ties share a rank; `me` is always your own standing."""
    # The caller is read in the board's own unit of work: one transaction and one
    # connection for the request instead of two.
    member = load_caller(session, claims).member
    board = leaderboard(
        session,
        member,
        clock.now(),
        scope=scope,
        ident=board_id,
        period=period,
        age_group=age_group,
        limit=limit,
    )
    # Serialised once here: returning the model would have it dumped, validated against
    # response_model and serialised again, a good part of this hot endpoint's CPU.
    return Response(board.model_dump_json(), media_type="application/json")
