"""member_period by scope, period and day: distinct readers of any date range

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 13:10:00

The table's key starts with the member, so counting a range's distinct readers would
read every member's rows; this index reads only the periods the range is cut into.
A plain index on SQLite, so no batch rebuild (and no trigger of 0006 to recreate).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_member_period_scope_period_starts_on"


def upgrade() -> None:
    op.create_index(
        INDEX, "member_period", ["scope", "period", "starts_on", "member_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="member_period")
