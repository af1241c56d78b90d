"""What analytics answer: typed results, and the small-cell marker that stands for a number.

A figure about a cell of children (the kids' age group, 12 and under, or a school's
members of all ages) counting 1 to 4 members is never shown: it reads `"fewer than 5"`
(`SUPPRESSED`), in JSON, CSV and XLSX alike, and so do the sums of such a cell. Zero
stays 0 (nobody to pick out).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from app.models.enums import AgeGroup, ReportName, TopListName

SUPPRESSED: Literal["fewer than 5"] = "fewer than 5"
SMALL_CELL = 5
Suppressed = Literal["fewer than 5"]
Headcount = int | Suppressed
"""A number of members, or "fewer than 5" for a small cell of children."""
Amount = int | Suppressed
"""A sum (logs, pages, ...) of a cell, or "fewer than 5" when the cell is a small one of
children."""
Ratio = float | Suppressed | None

Metric = Literal[
    "logs",
    "pages",
    "minutes",
    "books_finished",
    "points",
    "points_reading",
    "points_bonus",
    "active_readers",
    "first_time_readers",
    "new_members",
]
METRICS: tuple[str, ...] = Metric.__args__
Interval = Literal["day", "week", "month"]
Compare = Literal["previous", "last_year", "none"]

PRIVACY_NOTE = (
    "Figures of a cell of children (12 and under) or of one school with fewer than 5 "
    "members read 'fewer than 5'. "
    "Opted-out members count in every total and appear in no list."
)


class Filters(BaseModel):
    age_group: AgeGroup | None = None
    school: str | None = None
    challenge_id: int | None = None


class DateRange(BaseModel):
    start: dt.date
    end: dt.date = Field(description="Inclusive.")


class PeriodFigure(BaseModel):
    """Distinct readers per day, week or month over the range."""

    average: float | Suppressed = Field(description="Mean over the periods.")
    peak: Headcount = Field(description="The busiest period's readers.")
    periods: int = Field(description="Periods counted (whole weeks and months the range touches).")


class ActiveReaders(BaseModel):
    distinct: Headcount = Field(
        description="Members who logged in the range, each counted once (exact for any "
        "range, not a sum of the periods' readers)."
    )
    day: PeriodFigure
    week: PeriodFigure
    month: PeriodFigure


class Points(BaseModel):
    reading: Amount
    bonus: Amount
    total: Amount


class ChallengeFigures(BaseModel):
    id: int
    title: str
    hashtag: str
    starts_on: dt.date
    ends_on: dt.date
    goal: str
    target: int
    participants: Headcount
    completions: Headcount
    completion_rate: Ratio = Field(description="Completions over participants, 0 to 1.")
    median_progress: Ratio = Field(description="Median participant's progress, 0 to 1 of the goal.")


class Summary(BaseModel):
    """One library's figures for a range of local dates."""

    library: str
    timezone: str
    period: DateRange
    filters: Filters
    members: Headcount = Field(description="Registered by the end of the range.")
    new_members: Headcount = Field(description="Registered within the range.")
    active_readers: ActiveReaders
    first_time_readers: Headcount = Field(
        description="Members whose first counted log ever fell within the range."
    )
    logs: Amount
    pages: Amount
    minutes: Amount
    books_finished: Amount = Field(description="First finishes of a book by a member.")
    points: Points
    badges_earned: Headcount
    pending_review: Headcount = Field(description="Logs waiting for staff now.")
    challenges: list[ChallengeFigures] = Field(
        description="Challenges whose window meets the range (or the filtered one)."
    )
    privacy: str = PRIVACY_NOTE


class SeriesPoint(BaseModel):
    start: dt.date
    end: dt.date
    value: Amount
    compare_start: dt.date | None = None
    compare_value: Amount | None = None
    change: Ratio = Field(
        default=None, description="(value - compare_value) / compare_value; 0.18 is up 18%."
    )


class Timeseries(BaseModel):
    library: str
    metric: Metric
    interval: Interval
    compare: Compare
    period: DateRange = Field(description="Whole intervals covering the range asked.")
    compare_period: DateRange | None
    filters: Filters
    points: list[SeriesPoint]
    total: Amount | None = Field(description="Sum over the period (none for readers).")
    compare_total: Amount | None
    change: Ratio
    privacy: str = PRIVACY_NOTE


class LibrarySummaries(BaseModel):
    """An administrator's view: every library's summary, side by side."""

    period: DateRange
    libraries: list[Summary]


TopName = TopListName


class TopEntry(BaseModel):
    rank: int
    key: str = Field(description="Book id, author, genre, hashtag, school or nickname.")
    label: str = Field(description="What to show: a title, a name, a nickname.")
    detail: str | None = Field(default=None, description="A book's author.")
    readers: Headcount | None = Field(
        default=None,
        description="Books, authors, genres, hashtags: members whose first log of it fell "
        "in the range. Schools: active readers per month, averaged over the months.",
    )
    finishes: Amount | None = None
    logs: Amount | None = None
    pages: Amount | None = None
    members: Headcount | None = Field(default=None, description="A school's registered members.")
    share_active: Ratio = Field(default=None, description="A school's readers over its members.")
    points: int | None = Field(default=None, description="Board points (`readers` list).")


class TopList(BaseModel):
    library: str
    name: TopName
    period: DateRange
    filters: Filters
    board: str | None = Field(default=None, description="`readers`: the board read.")
    entries: list[TopEntry]
    privacy: str = PRIVACY_NOTE


READING_INDEX_STATEMENT = (
    "These figures describe BacaQuest's active participants of this library (members who "
    "logged reading in the period), not the population: they are not a survey and not "
    "Perpusnas' Tingkat Kegemaran Membaca (TGM) score, of which they give three reading "
    "components. No composite index is computed."
)
READING_INDEX_DEFINITIONS = {
    "participants": "Members with at least one counted log in the month.",
    "fm": "Frekuensi membaca (FM): days with reading per week, averaged over the weeks in "
    "which a participant read (member-days over member-weeks).",
    "dm": "Durasi membaca (DM): minutes read per reading day, from logs that give minutes "
    "(member-minutes over member-days; logs with pages only add no minutes).",
    "jb": "Jumlah buku (JB): books finished per participant per quarter, as the month's "
    "first finishes per participant times 3.",
}


class IndexRow(BaseModel):
    age_group: Literal["all", "kids", "teens", "adults"]
    start: dt.date
    end: dt.date
    participants: Headcount
    fm: Ratio = Field(description="Reading days per week.")
    dm: Ratio = Field(description="Minutes per reading day.")
    jb: Ratio = Field(description="Books finished per quarter.")


class ReadingIndex(BaseModel):
    library: str
    period: DateRange = Field(description="The whole months the range touches.")
    filters: Filters
    statement: str = READING_INDEX_STATEMENT
    definitions: dict[str, str] = Field(default_factory=lambda: dict(READING_INDEX_DEFINITIONS))
    rows: list[IndexRow] = Field(description="Per month and age group ('all' first).")
    privacy: str = PRIVACY_NOTE


class PlatformTraffic(BaseModel):
    views: int
    visitors: int


class Funnel(BaseModel):
    """Shares → landing-page views → clicks to the join page → registrations."""

    library: str
    period: DateRange
    filters: Filters
    shares: int = Field(description="Shares made (one per achievement shared).")
    share_posts: int = Field(description="Platform payloads taken (a share to 3 platforms: 3).")
    shares_by_platform: dict[str, int]
    shares_by_subject: dict[str, int]
    views: int = Field(description="Landing-page views by people (crawlers apart).")
    unique_visitors: int = Field(description="Distinct visitors per share and day, summed.")
    views_by_platform: dict[str, PlatformTraffic] = Field(
        description="By the platform a visitor came from ('' direct or unknown)."
    )
    crawler_views: int = Field(description="Link-preview fetchers and bots: never people.")
    crawlers_by_platform: dict[str, int]
    clicks: int = Field(description="Landing page → the library's join page.")
    registrations: int = Field(description="Registrations that carried a share's code.")
    views_per_share: float | None
    click_through_rate: float | None = Field(description="Clicks over unique visitors.")
    registrations_per_share: float | None


Cell = int | float | str | None


class Report(BaseModel):
    """A table, as the API answers it and as CSV and XLSX download it."""

    name: ReportName
    title: str
    library: str
    period: DateRange
    filters: Filters
    columns: list[str]
    rows: list[list[Cell]]
    notes: list[str] = Field(default_factory=lambda: [PRIVACY_NOTE])
