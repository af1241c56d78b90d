"""Table models and API schemas, one module per area."""

from app.models.account import ClassCode, GuardianConsent, PasswordReset, RateLimitCounter
from app.models.auth import AuthSession, RefreshToken
from app.models.badge import Badge, BadgeAward
from app.models.base import metadata  # first: sets the constraint naming convention
from app.models.book import Book
from app.models.challenge import Challenge, ChallengeParticipant
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
    "AuthSession",
    "Badge",
    "BadgeAward",
    "BoardScore",
    "Book",
    "Challenge",
    "ChallengeParticipant",
    "ClassCode",
    "GuardianConsent",
    "IdempotencyKey",
    "LedgerEntry",
    "Library",
    "Member",
    "MemberBook",
    "MemberDay",
    "MemberGenre",
    "PasswordReset",
    "RateLimitCounter",
    "ReadingLog",
    "RefreshToken",
    "Share",
    "ShareEvent",
    "ShareImage",
    "metadata",
]
