"""The API's closed sets, each one named enum shared by every model that speaks of it.

Each is a `StrEnum`, so its members are the very strings the API sends and reads
(`AgeGroup.KIDS == "kids"`), pydantic validates against it, and the OpenAPI document
publishes it once under its own name: a generated client gets one type to switch over
exhaustively instead of a plain string or one copy per field. The domain code keeps
its `Literal` aliases (tests check they hold the same values).
"""

from __future__ import annotations

from enum import StrEnum


class AgeGroup(StrEnum):
    """kids: 12 and under; teens: 13-17; adults: 18 and over (by birth year)."""

    KIDS = "kids"
    TEENS = "teens"
    ADULTS = "adults"


class Role(StrEnum):
    MEMBER = "member"
    STAFF = "staff"
    ADMIN = "admin"


class Language(StrEnum):
    """Bahasa Indonesia or English."""

    ID = "id"
    EN = "en"


class Goal(StrEnum):
    """What a challenge counts; `reviews`: approved reviews written inside its window
    (a review contest)."""

    BOOKS = "books"
    PAGES = "pages"
    MINUTES = "minutes"
    REVIEWS = "reviews"


class ChallengeStatus(StrEnum):
    """Where a challenge's window stands, on the library's local calendar."""

    UPCOMING = "upcoming"
    ACTIVE = "active"
    PAST = "past"


class LogStatus(StrEnum):
    """A reading log counts (accepted), waits for staff (pending_review) or was refused."""

    ACCEPTED = "accepted"
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"


class BadgeIcon(StrEnum):
    BOOK = "book"
    STAR = "star"
    MEDAL = "medal"
    FLAME = "flame"
    COMPASS = "compass"
    TROPHY = "trophy"
    CROWN = "crown"
    HEART = "heart"


class Metric(StrEnum):
    """What a badge criterion counts."""

    BOOKS_FINISHED = "books_finished"
    PAGES = "pages"
    MINUTES = "minutes"
    STREAK_DAYS = "streak_days"
    GENRES = "genres"
    LOGS = "logs"
    CHALLENGES_COMPLETED = "challenges_completed"
    SHARES = "shares"
    EVENTS_ATTENDED = "events_attended"


class CriterionPeriod(StrEnum):
    """The window a badge criterion is counted over."""

    ALL_TIME = "all_time"
    MONTH = "month"
    WEEK = "week"
    DAY = "day"


class Period(StrEnum):
    """A leaderboard's or a share's period: the current local week (from Monday),
    the current month, or all time."""

    WEEK = "week"
    MONTH = "month"
    ALL_TIME = "all_time"


class BoardScope(StrEnum):
    """Whose leaderboard."""

    LIBRARY = "library"
    CHALLENGE = "challenge"
    SCHOOL = "school"


class Platform(StrEnum):
    """A social platform a share has a post for."""

    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    THREADS = "threads"


class SubjectType(StrEnum):
    """The achievement a share is about."""

    BADGE = "badge"
    READING_LOG = "reading_log"
    CHALLENGE = "challenge"
    LEADERBOARD_RANK = "leaderboard_rank"
    MONTHLY_SUMMARY = "monthly_summary"


class CardFormat(StrEnum):
    """A share card's size: story 1080x1920, square 1080x1080, og 1200x630."""

    STORY = "story"
    SQUARE = "square"
    OG = "og"


class TopListName(StrEnum):
    """Which top list of the analytics a call asks for."""

    BOOKS_BY_READERS = "books_by_readers"
    BOOKS_BY_FINISHES = "books_by_finishes"
    AUTHORS = "authors"
    GENRES = "genres"
    HASHTAGS = "hashtags"
    SCHOOLS_BY_READERS = "schools_by_readers"
    SCHOOLS_BY_SHARE = "schools_by_share"
    READERS = "readers"


class ReportName(StrEnum):
    """The staff reports of the analytics, each also a CSV and an XLSX download."""

    STATUS = "status"
    SCHOOLS = "schools"
    PROGRESS = "progress"
    BADGES = "badges"
    TOP_SCORES = "top_scores"
