"""Re-settlement of a library's ledger: the request, and what it would change (or changed)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.models.library import ScoringSettings, ScoringUpdate


class RescoreRequest(BaseModel):
    """`dry_run` (the default) changes nothing; `scoring` previews settings not yet saved."""

    model_config = ConfigDict(extra="forbid")

    dry_run: bool = True
    # Proposed settings over the saved ones, for a dry run of a rules change before it is
    # saved (PATCH /v1/libraries/{slug}); an apply always uses the saved rules.
    scoring: ScoringUpdate | None = None


class MemberPointsChange(BaseModel):
    member_id: int
    name: str  # a child only by nickname
    total_before: int
    total_after: int
    change: int


class BadgeChange(BaseModel):
    member_id: int
    name: str
    badge_id: int
    badge_name: str


class CompletionChange(BaseModel):
    member_id: int
    name: str
    challenge_id: int
    challenge_title: str
    progress: int
    target: int
    bonus: int  # the completion bonus booked (or reversed)


class RescorePreview(BaseModel):
    """What re-settling a library under `scoring` books (or booked, when `applied`)."""

    library: str
    scoring: ScoringSettings  # the rules the figures are computed under
    applied: bool
    members_checked: int
    members_gaining: int
    members_losing: int
    points_change: int = Field(description="net points over every member")
    rows: int = Field(description="compensating ledger rows (to be) booked for the logs")
    top_gains: list[MemberPointsChange]
    top_losses: list[MemberPointsChange]
    badges_earned: list[BadgeChange]
    badges_lost: list[BadgeChange]
    challenges_completed: list[CompletionChange]
    challenges_uncompleted: list[CompletionChange]
