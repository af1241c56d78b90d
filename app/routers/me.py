"""The caller's own profile and their children's profiles."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.core.clock import local_date
from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.deps import AdultMember, CallerDep, ClockDep, CurrentMember, SessionDep, SettingsDep
from app.integrations.webhooks import events
from app.models.badge import MemberBadges
from app.models.member import ChildCreate, ChildPublic, MemberPublic, MemberUpdate
from app.models.reading import AwardRow, MemberStats, PointsSummary
from app.reading.context import context_for
from app.services import badges, ledger, members, stats

router = APIRouter(prefix="/v1/me", tags=["me"])


@router.get("", response_model=MemberPublic, responses=problems(401))
def get_me(caller: CallerDep, session: SessionDep, clock: ClockDep) -> MemberPublic:
    """Who the token speaks for (a child, when a guardian acts for one)."""
    return members.describe(session, caller.member, clock.now(), caller.acting_guardian_id)


@router.patch("", response_model=MemberPublic, responses=problems(401, 409))
def update_me(
    data: MemberUpdate, caller: CallerDep, session: SessionDep, clock: ClockDep
) -> MemberPublic:
    """Change display name, nickname, school, language or leaderboard opt-out."""
    member = members.update_me(session, caller.member, data)
    return members.describe(session, member, clock.now(), caller.acting_guardian_id)


@router.get("/children", response_model=list[ChildPublic], responses=problems(401, 403))
def list_children(guardian: AdultMember, session: SessionDep, clock: ClockDep) -> list[ChildPublic]:
    """The child profiles this guardian manages."""
    year = members.current_year(session, guardian, clock.now())
    return [members.child_public(c, year) for c in members.list_children(session, guardian)]


@router.post(
    "/children",
    status_code=status.HTTP_201_CREATED,
    response_model=ChildPublic,
    responses=problems(401, 403, 409),
)
def create_child(
    data: ChildCreate,
    guardian: AdultMember,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> ChildPublic:
    """Add a child profile (12 and under): no password, shown by nickname only."""
    now = clock.now()
    child = members.create_child(session, guardian, data, now)
    events.after_join(session, settings.secret_key, child, now, personal=False)
    lib = members.library_of(session, guardian)
    return members.child_public(child, local_date(now, lib.timezone).year)


@router.get("/stats", response_model=MemberStats, responses=problems(401))
def get_my_stats(member: CurrentMember, session: SessionDep, clock: ClockDep) -> MemberStats:
    """Streaks, books, pages, minutes and genres; this week and this month."""
    ctx = context_for(session, member, clock.now())
    return stats.member_stats(session, member, ctx.today)


@router.get("/points", response_model=PointsSummary, responses=problems(401))
def get_my_points(member: CurrentMember, session: SessionDep) -> PointsSummary:
    """Total, pending, reading and bonus points, and the sum per rule."""
    return ledger.summary(session, member.id or 0)


@router.get("/points/ledger", response_model=Page[AwardRow], responses=problems(401))
def get_my_ledger(
    member: CurrentMember, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[AwardRow]:
    """Every points row, newest first; reversals are rows of their own."""
    rows, nxt = ledger.page(session, member.id or 0, limit, cursor)
    return Page(items=[ledger.award_row(r) for r in rows], next_cursor=nxt)


@router.get("/badges", response_model=MemberBadges, responses=problems(401))
def get_my_badges(member: CurrentMember, session: SessionDep, clock: ClockDep) -> MemberBadges:
    """Earned badges with when, and locked ones with progress ("7 of 10 books")."""
    ctx = context_for(session, member, clock.now())
    return badges.member_badges(session, member, ctx.today, member.language)
