"""Table models and API schemas, one module per area."""

from app.models.account import ClassCode, GuardianConsent, PasswordReset, RateLimitCounter
from app.models.analytics import (
    ActivityDay,
    AnalyticsBacklog,
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
from app.models.chat import ChatLink, ChatLinkCode, ChatUpdate
from app.models.console import ConsoleSession
from app.models.drawings import Drawing, DrawingEntry, DrawingWinner
from app.models.events import CheckInFailure, Event, EventAttendance, EventRegistration
from app.models.leaderboard import BoardRank, BoardScore
from app.models.library import Library
from app.models.member import Member
from app.models.quizzes import Poll, PollVote, Quiz, QuizAttempt, QuizResult
from app.models.reading import (
    IdempotencyKey,
    LedgerEntry,
    MemberBook,
    MemberDay,
    MemberGenre,
    ReadingLog,
)
from app.models.reviews import BookReview, Feedback
from app.models.share import Share, ShareEvent, ShareImage
from app.models.slims import SlimsCursor, SlimsHolding, SlimsMember
from app.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ActivityDay",
    "AnalyticsBacklog",
    "AuthSession",
    "Badge",
    "BadgeAward",
    "BoardRank",
    "BoardScore",
    "Book",
    "BookReview",
    "Challenge",
    "ChallengeParticipant",
    "ChatLink",
    "ChatLinkCode",
    "ChatUpdate",
    "CheckInFailure",
    "ClassCode",
    "ConsoleSession",
    "Drawing",
    "DrawingEntry",
    "DrawingWinner",
    "Event",
    "EventAttendance",
    "EventRegistration",
    "Feedback",
    "GuardianConsent",
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
    "PasswordReset",
    "Poll",
    "PollVote",
    "Quiz",
    "QuizAttempt",
    "QuizResult",
    "RateLimitCounter",
    "ReadingLog",
    "RefreshToken",
    "Share",
    "ShareEvent",
    "ShareImage",
    "ShareTally",
    "ShareVisitor",
    "SlimsCursor",
    "SlimsHolding",
    "SlimsMember",
    "TopicDay",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "metadata",
]
