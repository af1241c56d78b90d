"""board ranks: counts of members by score per board and set, and where a counter is counted

Revision ID: 0019
Revises: 0010
Create Date: 2026-12-01 13:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board_rank",
        sa.Column("board", sa.String(length=40), nullable=False),
        sa.Column("cls", sa.String(length=1), nullable=False),
        sa.Column("school", sa.String(length=80), nullable=False),
        sa.Column("lvl", sa.Integer(), nullable=False),
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("cohort", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint(
            "board", "cls", "school", "lvl", "key", "cohort", name=op.f("pk_board_rank")
        ),
    )
    # A plain ADD COLUMN (no table rebuild on SQLite, so the triggers of 0006 stay).
    op.add_column("board_score", sa.Column("placed", sa.String(length=100), nullable=True))
    # Count what is there already, as the app would have.
    from app.leaderboards.ranks import refill

    refill(op.get_bind(), datetime.now(UTC).year)


def downgrade() -> None:
    with op.batch_alter_table("board_score", schema=None) as batch_op:
        batch_op.drop_column("placed")
    op.drop_table("board_rank")
