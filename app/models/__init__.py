"""Table models and API schemas, one module per area."""

from app.models.analytics import (
    ActivityDay,
    MemberPeriod,
    MemberTally,
    MemberTopic,
    ShareTally,
    ShareVisitor,
    TopicDay,
)
from app.models.auth import AuthSession, RefreshToken
from app.models.badge import Badge, BadgeAward
from app.models.base import metadata  # first: sets the constraint naming convention
from app.models.book import Book
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.console import ConsoleSession
from app.models.leaderboard import BoardScore
from app.models.library import Library
from app.models.member import Member
from app.models.reading import (
    IdempotencyKey,
    LedgerEntry,
    MemberBook,
    MemberDay,
    MemberGenre,
    ReadingLog,
)
from app.models.share import Share, ShareEvent, ShareImage

__all__ = [
    "ActivityDay",
    "AuthSession",
    "Badge",
    "BadgeAward",
    "BoardScore",
    "Book",
    "Challenge",
    "ChallengeParticipant",
    "ConsoleSession",
    "IdempotencyKey",
    "LedgerEntry",
    "Library",
    "Member",
    "MemberBook",
    "MemberDay",
    "MemberGenre",
    "MemberPeriod",
    "MemberTally",
    "MemberTopic",
    "ReadingLog",
    "RefreshToken",
    "Share",
    "ShareEvent",
    "ShareImage",
    "ShareTally",
    "ShareVisitor",
    "TopicDay",
    "metadata",
]
