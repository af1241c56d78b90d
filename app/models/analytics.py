"""Analytics rollups: counters a log, a registration or a landing-page view moves.

Every figure of `/v1/analytics/*` is read from these tables, never from the reading log.
A counted log leaves its facts in `analytics_backlog`, in its own transaction, and the
backlog is added to the rollups in batches (`app.analytics.backlog`: by the background
worker, and by every analytics read before it answers); registrations and bonus points
move the rollups in their own transaction. Every move is an atomic `SET x = x + :n`
upsert, and `python -m app analytics verify|rebuild` checks them
against (and rebuilds them from) the logs and the ledger. The tables a log moves have
no foreign keys: each would cost the reading path a lookup per row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Text
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.base import metadata  # noqa: F401  (naming convention first)

# `challenge_id` 0 is the whole library; a log counted in challenges also moves one row
# per challenge. `school` '' is no school.
LIBRARY_SCOPE = 0
NO_SCHOOL = ""


class ActivityDay(SQLModel, table=True):
    """What a library's members read on one local day, per age group (at the log's date)
    and school: sums, and first-seen counts of readers for the day, week, month, quarter
    and ever (a member counts in the cell of their first log of the period)."""

    __tablename__ = "activity_day"

    library_id: int = SQLField(primary_key=True)
    challenge_id: int = SQLField(primary_key=True)
    day: dt.date = SQLField(primary_key=True)
    age_group: str = SQLField(primary_key=True, max_length=6)
    school: str = SQLField(primary_key=True, max_length=80)
    logs: int = 0
    pages: int = 0
    minutes: int = 0
    finishes: int = 0
    points_reading: int = 0
    points_bonus: int = 0
    readers_day: int = 0
    readers_week: int = 0
    readers_month: int = 0
    readers_quarter: int = 0
    first_timers: int = 0


class AnalyticsBacklog(SQLModel, table=True):
    """A counted log whose facts the rollups have not taken in yet (`facts`: the JSON of
    `app.analytics.counters.LogFacts`); the row leaves when they do."""

    __tablename__ = "analytics_backlog"

    id: int | None = SQLField(default=None, primary_key=True)
    log_id: int = SQLField(index=True)
    library_id: int = SQLField(index=True)
    facts: str = SQLField(sa_type=Text)


class MemberPeriod(SQLModel, table=True):
    """A member seen reading in a period (`d`, `w`, `m`, `q`, `a` for ever) of a scope
    (0 the library, else a challenge): the row that makes a reader count once."""

    __tablename__ = "member_period"
    # Any range's distinct readers read the periods it is cut into, not every member's.
    __table_args__ = (
        Index(
            "ix_member_period_scope_period_starts_on",
            "scope",
            "period",
            "starts_on",
            "member_id",
        ),
    )

    member_id: int = SQLField(primary_key=True)
    scope: int = SQLField(primary_key=True)
    period: str = SQLField(primary_key=True, max_length=1)
    starts_on: dt.date = SQLField(primary_key=True)


class TopicDay(SQLModel, table=True):
    """A day's reading of one book, author, genre or hashtag, per age group."""

    __tablename__ = "topic_day"

    library_id: int = SQLField(primary_key=True)
    day: dt.date = SQLField(primary_key=True)
    age_group: str = SQLField(primary_key=True, max_length=6)
    kind: str = SQLField(primary_key=True, max_length=8)  # book | author | genre | hashtag
    topic: str = SQLField(primary_key=True, max_length=200)
    logs: int = 0
    pages: int = 0
    minutes: int = 0
    finishes: int = 0
    readers: int = 0  # members whose first log of the topic fell on this day


class MemberTopic(SQLModel, table=True):
    """A member's first log of a book, author, genre or hashtag."""

    __tablename__ = "member_topic"

    member_id: int = SQLField(primary_key=True)
    kind: str = SQLField(primary_key=True, max_length=8)
    topic: str = SQLField(primary_key=True, max_length=200)
    first_on: dt.date


class MemberTally(SQLModel, table=True):
    """Members registered on one local day, by birth year (the age group follows the
    calendar) and school."""

    __tablename__ = "member_tally"

    library_id: int = SQLField(primary_key=True)
    day: dt.date = SQLField(primary_key=True)
    birth_year: int = SQLField(primary_key=True)
    school: str = SQLField(primary_key=True, max_length=80)
    members: int = 0


class ShareTally(SQLModel, table=True):
    """A share's landing-page traffic of one local day and referring platform:
    `view` (people), `visitor` (unique people that day), `crawler` (link previews and
    bots), `click` (through to the join page), `join` (registrations carrying its code)."""

    __tablename__ = "share_tally"
    __table_args__ = (Index("ix_share_tally_library_id_day", "library_id", "day"),)

    share_id: int = SQLField(primary_key=True, foreign_key="share.id")
    day: dt.date = SQLField(primary_key=True)
    platform: str = SQLField(primary_key=True, max_length=12)  # '' direct or unknown
    kind: str = SQLField(primary_key=True, max_length=8)
    library_id: int = SQLField(foreign_key="library.id")
    count: int = 0


class ShareVisitor(SQLModel, table=True):
    """A visitor (a keyed hash, not an address) seen on a share's page on one day: the
    dedup behind unique visitors. Kept for two days and capped per share and day."""

    __tablename__ = "share_visitor"

    share_id: int = SQLField(primary_key=True, foreign_key="share.id")
    day: dt.date = SQLField(primary_key=True)
    visitor: str = SQLField(primary_key=True, max_length=24)
