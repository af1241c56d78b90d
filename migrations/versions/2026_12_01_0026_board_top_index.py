"""board top index: a board's counters in rank order, ties by member id

The top of a board is `ORDER BY points DESC, member_id` over one board's counters. The
index on (board, points) found the rows in points order but sent each one back to the
table for its member id; (board, points, member_id) holds the member ids too, read
backwards from the best, with only a tie's few entries to order. It replaces the old
index rather than adding one: a counter moves on every log, and each index on `points`
is one more write per move (and, on PostgreSQL, no in-place update).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 16:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_board_score_board_points", table_name="board_score")
    op.create_index(
        "ix_board_score_board_points", "board_score", ["board", "points", "member_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_board_score_board_points", table_name="board_score")
    op.create_index("ix_board_score_board_points", "board_score", ["board", "points"], unique=False)
