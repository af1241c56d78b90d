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

from app.models.member import AgeGroup

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
