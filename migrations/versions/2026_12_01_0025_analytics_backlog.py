"""analytics backlog: a counted log's rollup facts wait for the batch that adds them

The reading path no longer moves the analytics rollups itself (a dozen upserts on rows
that every log of a library shares); it leaves the log's facts in `analytics_backlog`,
and batches add them to the rollups. Nothing stored changes meaning: the rollups are up
to date at this revision, so the backlog starts empty.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_backlog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_backlog")),
    )
    op.create_index(
        op.f("ix_analytics_backlog_log_id"), "analytics_backlog", ["log_id"], unique=False
    )
    op.create_index(
        op.f("ix_analytics_backlog_library_id"), "analytics_backlog", ["library_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_analytics_backlog_library_id"), table_name="analytics_backlog")
    op.drop_index(op.f("ix_analytics_backlog_log_id"), table_name="analytics_backlog")
    op.drop_table("analytics_backlog")
