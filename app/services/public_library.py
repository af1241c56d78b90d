"""What a library's public page shows anonymous visitors: this month's challenges and
its top readers, by nickname only, never a child and never a member who opted out."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from app.leaderboards import keys, store
from app.models.library import Library
from app.models.member import KIDS_MAX_AGE
from app.services import sharing
from app.share.landing import ChallengeLine, ReaderLine

TOP_READERS = 5


def challenges_of_month(session: Session, lib: Library, today: date) -> list[ChallengeLine]:
    """The published challenges running today."""
    return [
        ChallengeLine(c.title, c.hashtag, c.starts_on, c.ends_on)
        for c in sharing.active_challenges(session, lib, today)
    ]


def top_readers(
    session: Session, lib: Library, today: date, limit: int = TOP_READERS
) -> list[ReaderLine]:
    """This month's best readers of the library, ranked among the members shown to
    anonymous visitors: nobody aged 12 or under this year, no child profile, nobody
    opted out; staff only when the library puts them on its boards. Ties share a rank.
    A reader without a nickname is shown as an anonymous reader, never by their name."""
    board = keys.library_board(lib.id or 0, "month", today)
    filters = store.Filters(
        birth_year_max=today.year - KIDS_MAX_AGE - 1, with_staff=lib.staff_on_boards
    )
    # A child profile older than 12 is still a child: read a few more and drop them.
    rows = [r for r in store.top(session, board, limit * 2, filters) if r.guardian_id is None]
    out: list[ReaderLine] = []
    for i, row in enumerate(rows[:limit]):
        rank = out[-1].rank if out and out[-1].points == row.points else i + 1
        out.append(ReaderLine(rank, row.nickname or None, row.points))
    return out
