"""member_day keeps its minute-only minutes above x1 apart, with their multiplier

A day's minute points telescope per multiplier class (see app/scoring/engine.py): the
loose minutes at x1 and those of logs inside a joined challenge convert on their own, so
their order of arrival no longer moves a point between the classes. `member_day` gains
`boosted_minutes` (of `loose_minutes`, those of counted minute-only logs at a multiplier
above 1) and `boosted_multiplier` (the multiplier of the first of them counted; 0 while
none). Both are filled from the counted logs; nothing already stored changes meaning and
no points move (`rescore` re-settles a day whose points the new telescoping changes).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The counted minute-only logs above x1 of the member_day row being updated.
BOOSTED_LOGS = """
    FROM reading_log r
    WHERE r.member_id = member_day.member_id AND r.read_on = member_day.day
        AND r.status = 'accepted' AND r.deleted_at IS NULL
        AND r.pages = 0 AND r.minutes > 0 AND r.multiplier > 1
"""
BACKFILL = f"""
    UPDATE member_day SET
        boosted_minutes = (SELECT COALESCE(SUM(r.minutes), 0) {BOOSTED_LOGS}),
        boosted_multiplier = COALESCE((SELECT r.multiplier {BOOSTED_LOGS}
            ORDER BY r.counted_at, r.id LIMIT 1), 0)
    WHERE loose_minutes > 0
"""  # noqa: S608 (constant fragments)
# Never more than the day's loose minutes (the figures the day was scored with).
CLAMP = """
    UPDATE member_day SET boosted_minutes = loose_minutes
    WHERE boosted_minutes > loose_minutes
"""


def upgrade() -> None:
    with op.batch_alter_table("member_day", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("boosted_minutes", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("boosted_multiplier", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(BACKFILL)
    op.execute(CLAMP)
    op.execute("UPDATE member_day SET boosted_multiplier = 0 WHERE boosted_minutes = 0")


def downgrade() -> None:
    with op.batch_alter_table("member_day", schema=None) as batch_op:
        batch_op.drop_column("boosted_multiplier")
        batch_op.drop_column("boosted_minutes")
