"""analytics rollups: activity per day, readers seen per period, topics, registrations,
landing-page traffic

Revision ID: 0015
Revises: 0006
Create Date: 2026-12-01 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNT = {"nullable": False, "server_default": "0"}


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(n, sa.Integer(), **COUNT) for n in names]


def upgrade() -> None:
    op.create_table(
        "activity_day",
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("age_group", sa.String(length=6), nullable=False),
        sa.Column("school", sa.String(length=80), nullable=False),
        *_counts(
            "logs", "pages", "minutes", "finishes", "points_reading", "points_bonus",
            "readers_day", "readers_week", "readers_month", "readers_quarter", "first_timers",
        ),
        sa.PrimaryKeyConstraint(
            "library_id", "challenge_id", "day", "age_group", "school", name="pk_activity_day"
        ),
    )
    op.create_table(
        "member_period",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=1), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "member_id", "scope", "period", "starts_on", name="pk_member_period"
        ),
    )
    op.create_table(
        "topic_day",
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("age_group", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        *_counts("logs", "pages", "minutes", "finishes", "readers"),
        sa.PrimaryKeyConstraint(
            "library_id", "day", "age_group", "kind", "topic", name="pk_topic_day"
        ),
    )
    op.create_table(
        "member_topic",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("first_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "kind", "topic", name="pk_member_topic"),
    )
    op.create_table(
        "member_tally",
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("school", sa.String(length=80), nullable=False),
        *_counts("members"),
        sa.PrimaryKeyConstraint(
            "library_id", "day", "birth_year", "school", name="pk_member_tally"
        ),
    )
    op.create_table(
        "share_tally",
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("platform", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        *_counts("count"),
        sa.ForeignKeyConstraint(
            ["share_id"], ["share.id"], name=op.f("fk_share_tally_share_id_share")
        ),
        sa.ForeignKeyConstraint(
            ["library_id"], ["library.id"], name=op.f("fk_share_tally_library_id_library")
        ),
        sa.PrimaryKeyConstraint("share_id", "day", "platform", "kind", name="pk_share_tally"),
    )
    with op.batch_alter_table("share_tally", schema=None) as batch_op:
        batch_op.create_index("ix_share_tally_library_id_day", ["library_id", "day"])
    op.create_table(
        "share_visitor",
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitor", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"], ["share.id"], name=op.f("fk_share_visitor_share_id_share")
        ),
        sa.PrimaryKeyConstraint("share_id", "day", "visitor", name="pk_share_visitor"),
    )
    # Badges earned in a range: each of a library's badges, by time.
    with op.batch_alter_table("badge_award", schema=None) as batch_op:
        batch_op.create_index("ix_badge_award_badge_id_awarded_at", ["badge_id", "awarded_at"])


def downgrade() -> None:
    with op.batch_alter_table("badge_award", schema=None) as batch_op:
        batch_op.drop_index("ix_badge_award_badge_id_awarded_at")
    for table in (
        "share_visitor", "share_tally", "member_tally", "member_topic", "topic_day",
        "member_period", "activity_day",
    ):
        op.drop_table(table)
