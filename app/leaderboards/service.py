"""GET /v1/leaderboards: which board the caller asks for, who may see it, and its answer.

Redis answers when it has the board ready; otherwise (no REDIS_URL, a stale board, Redis
down) the database does, with the same ranks: ties share a rank (1, 2, 2, 4), members
within a tie are listed by member id, and the caller's own standing always comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from app.core.clock import local_date
from app.core.problems import forbidden, not_found, unprocessable
from app.leaderboards import keys, memo, retention, store
from app.leaderboards.redis_setup import index_for, repair_soon
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.leaderboard import Leaderboard, LeaderboardEntry
from app.models.member import KIDS_MAX_AGE, Member

STAFF_ROLES = ("staff", "admin")


@dataclass(frozen=True, slots=True)
class _Board:
    """A resolved request: the board key, its library and window, and the filters."""

    library: memo.Lib
    board: str
    ident: str | None
    period: str
    starts_on: date | None
    ends_on: date | None
    school: str | None
    challenge_id: int | None


def _library_by(session: Session, *, slug: str | None = None, id_: int | None = None) -> memo.Lib:
    """A library by slug (read), or by id (this process's copy when it has one: the
    board's head checks it)."""
    if slug is None and id_ is not None:
        kept = memo.library(session, id_)
        if kept is not None:
            return kept
    row = store.library(session, id_=id_, slug=slug)
    if row is None:
        raise not_found("Library")
    lib = memo.Lib(*row)
    memo.keep_library(session, lib)
    return lib


forget_library = memo.forget_library


def _check_text(ident: str | None) -> str | None:
    if ident is None:
        return None
    if any(ord(c) < 32 for c in ident):
        raise unprocessable("id must not hold control characters.", field="id")
    return ident.strip() or None


def _resolve(
    session: Session, caller: Member, scope: str, ident: str | None, period: str, now: datetime
) -> _Board:
    is_admin = caller.role == "admin"
    if scope == "challenge":
        if ident is None:
            raise unprocessable("A challenge board needs the challenge's id.", field="id")
        if not ident.isdigit() or not 1 <= int(ident) <= 2**31 - 1:
            raise unprocessable("id must be a challenge id (a positive number).", field="id")
        row = session.execute(
            select(
                Challenge.library_id,
                Challenge.starts_on,
                Challenge.ends_on,
                Challenge.published,
                Challenge.deleted_at,
            ).where(Challenge.id == int(ident))
        ).first()
        # Another library's challenge, a deleted one or someone else's draft: not found.
        if (
            row is None
            or row.deleted_at is not None
            or (not is_admin and row.library_id != caller.library_id)
            or (not row.published and caller.role not in STAFF_ROLES)
        ):
            raise not_found("Challenge")
        lib = _library_by(session, id_=row.library_id)
        return _Board(
            lib,
            keys.challenge_board(int(ident)),
            ident,
            "challenge",
            row.starts_on,
            row.ends_on,
            None,
            int(ident),
        )
    if scope == "library" and ident is not None:
        lib = _library_by(session, slug=ident)
        if not is_admin and lib.id != caller.library_id:
            raise not_found("Library")  # other libraries' boards are not even confirmed
    elif caller.library_id is None:
        raise unprocessable("You belong to no library: give the library's slug as id.", field="id")
    else:
        lib = _library_by(session, id_=caller.library_id)
    school: str | None = None
    if scope == "school":
        if lib.id != caller.library_id:
            raise unprocessable("School boards are within your own library.", field="id")
        if ident is not None and ident != caller.school and caller.role not in STAFF_ROLES:
            raise forbidden("Only library staff may see another school's board.")
        school = ident if ident is not None else caller.school
        if school is None:
            raise unprocessable(
                "Your profile has no school: set one, or staff may give the school as id.",
                field="id",
            )
        if caller.role not in STAFF_ROLES and not _school_confirmed(session, caller):
            raise forbidden(
                "A school's board is shown to its members once staff confirmed the school "
                "(at the desk, or with the class code they hand out)."
            )
    today = local_date(now, lib.timezone)
    starts_on, ends_on = keys.bounds(period, today)
    return _Board(
        lib,
        keys.library_board(lib.id, period, today),
        lib.slug if scope == "library" else None,
        period,
        starts_on,
        ends_on,
        school,
        None,
    )


def _school_confirmed(session: Session, caller: Member) -> bool:
    """Staff confirmed the caller's school; a child counts with their guardian's word
    only when staff confirmed the child's school too."""
    return caller.school is not None and caller.school_confirmed_at is not None


def may_see_children(caller: Member, year: int, guardian: bool) -> bool:
    """Whether children appear to this caller on boards: the children themselves, their
    guardians (in the library: `guardian`, read with the board's head), and staff."""
    if caller.role in STAFF_ROLES or caller.is_child:
        return True
    return year - caller.birth_year <= KIDS_MAX_AGE or guardian


def _ranked(pairs: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(rank, member id, points) for a list best first: ties share the better rank."""
    out: list[tuple[int, int, int]] = []
    for i, (member_id, points) in enumerate(pairs):
        rank = out[-1][0] if out and out[-1][2] == points else i + 1
        out.append((rank, member_id, points))
    return out


def _is_participant(session: Session, challenge_id: int, member_id: int) -> bool:
    return (
        session.execute(
            select(ChallengeParticipant.member_id).where(
                ChallengeParticipant.challenge_id == challenge_id,
                ChallengeParticipant.member_id == member_id,
            )
        ).first()
        is not None
    )


def leaderboard(
    session: Session,
    caller: Member,
    now: datetime,
    *,
    scope: str,
    ident: str | None,
    period: str,
    age_group: str | None,
    limit: int,
) -> Leaderboard:
    ident = _check_text(ident)
    b = _resolve(session, caller, scope, ident, period, now)
    caller_id = caller.id or 0
    head = store.head(session, b.board, b.library.id, caller_id)
    if head is None:
        raise not_found("Library")
    if (head.timezone, head.staff_on_boards) != (b.library.timezone, b.library.staff_on_boards):
        # Changed through another process since this one kept the library: read it again
        # (the time zone may name another week's board).
        memo.forget_library(b.library.id)
        b = _resolve(session, caller, scope, ident, period, now)
        head = store.head(session, b.board, b.library.id, caller_id)
        if head is None:
            raise not_found("Library")
    year = local_date(now, b.library.timezone).year
    lo, hi = keys.birth_years(age_group, year) if age_group else (None, None)
    # Children are listed only for those with a reason; for everyone else a board holds
    # no child at all (ranked among the others), and the children's board is refused.
    with_children = age_group in (None, "kids") and (
        scope == "school" or may_see_children(caller, year, head.guardian)
    )
    if age_group == "kids" and not with_children:
        raise forbidden(
            "Children's boards are shown only to the children, their guardians and staff."
        )
    hide_children = age_group is None and not with_children
    if hide_children:
        hi = year - KIDS_MAX_AGE - 1
    filters = store.Filters(lo, hi, b.school, with_staff=b.library.staff_on_boards)
    # On this board at all: own library, own age group (and school); for a challenge,
    # taking part in it (or having points on it from before leaving).
    eligible = caller.library_id == b.library.id and filters.admits(caller)
    participant = (
        eligible
        and b.challenge_id is not None
        and _is_participant(session, b.challenge_id, caller_id)
    )
    listed = eligible and store.on_boards(
        caller.role, caller.leaderboard_opt_out, b.library.staff_on_boards
    )

    entries: tuple[LeaderboardEntry, ...] | None = None
    own: int | None = head.own
    better: int | None
    answer = None
    # Redis holds no "everyone but the children" board: when children are on this one,
    # the database answers it.
    index = index_for(session)
    if index is not None and hide_children:
        kids = index.count(b.library.id, b.board, age_group="kids", year=year)
        # None: Redis cannot tell, and backs off, so its board read fails over too.
        if kids is not None and kids != 0:
            index = None
    if index is not None:
        answer = index.board(
            b.library.id,
            b.board,
            limit,
            member_id=caller_id if listed else None,
            # An opted-out caller is in no sorted set: rank their database points instead.
            own_points=own if eligible and not listed else None,
            school=b.school,
            age_group=age_group,
            year=year,
            version=head.version,
        )
        if answer is None and index.repair_due(b.library.id):
            repair_soon(session, index, b.library.id, local_date(now, b.library.timezone))
    if answer is not None:
        shown_as = answer.names
        # Names Redis lacks (a member who never scored while listed) come from the database.
        names = store.names(session, [m for m, _ in answer.top if m not in shown_as])
        entries = _entries(answer.top, names, shown_as)
        own, better, ranked = answer.own, answer.better, answer.ranked
    else:
        entries = _top(session, b.board, limit, filters, year, (head.version, head.listing))
        found = store.rank_counts(session, b.board, own, filters, year)
        if found is None:
            own, better, ranked = store.standing(session, b.board, caller_id, filters)
        else:
            better, ranked = found

    me = None
    shown = eligible and (b.challenge_id is None or participant or own is not None)
    if shown:
        points = own or 0
        # Nobody with points above: first among the ranked; no points: after them all.
        rank = (better if better is not None and points > 0 else ranked) + 1
        me = LeaderboardEntry(
            rank=rank, member_id=caller_id, name=caller.public_name(), points=points, is_me=True
        )
    return Leaderboard(
        scope=scope,
        id=b.ident,
        period=b.period,
        age_group=age_group,
        starts_on=b.starts_on,
        ends_on=b.ends_on,
        entries=[
            e.model_copy(update={"is_me": True}) if e.member_id == caller_id else e for e in entries
        ],
        me=me,
        total_ranked=ranked,
        kept_until=retention.kept_until(b.board),
    )


def _top(
    session: Session,
    board: str,
    limit: int,
    filters: store.Filters,
    year: int,
    versions: tuple[int, int],
) -> tuple[LeaderboardEntry, ...]:
    """A board's top from the database, or as this process read it at the same versions
    (names shown depend on the year: a minor is shown by nickname)."""
    key = (board, limit, filters, year)
    kept = memo.top(session, key, versions)
    if kept is not None:
        return kept.entries
    rows = store.top(session, board, limit, filters)
    entries = _entries([(r.member_id, r.points) for r in rows], {r.member_id: r for r in rows}, {})
    memo.keep_top(session, key, memo.Top(versions, entries))
    return entries


def _entries(
    pairs: list[tuple[int, int]], names: dict[int, store.Row], shown_as: dict[int, str]
) -> tuple[LeaderboardEntry, ...]:
    """The ranked entries, none marked as the caller's."""
    return tuple(
        LeaderboardEntry(
            rank=rank,
            member_id=member_id,
            name=shown_as.get(member_id) or _public_name(names.get(member_id)),
            points=points,
            is_me=False,
        )
        for rank, member_id, points in _ranked(pairs)
    )


def _public_name(row: store.Row | None) -> str:
    """Member.public_name() itself, over the columns a board reads: a child by nickname."""
    return Member.public_name(row) if row is not None else "Pembaca"
