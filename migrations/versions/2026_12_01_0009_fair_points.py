"""fair points: staff off the boards by default, a review's note, a log's points = its rows

- `library.staff_on_boards` (false): staff and administrators are left off the public
  boards unless the library decides otherwise.
- `reading_log.review_note`: the optional reason staff give the member with a decision.
- `ix_reading_log_member_id_book_id`: a member's earlier logs of one book (pages beyond
  what the book has go to review).
- Data: every log's `points` brought to its net ledger rows (approved logs showed 0),
  and approved logs get the `counted_at` of their approval (the order replay follows).

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-01 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_log = sa.table(
    "reading_log",
    sa.column("id", sa.Integer),
    sa.column("points", sa.Integer),
    sa.column("status", sa.String),
    sa.column("counted_at", sa.DateTime),
    sa.column("reviewed_at", sa.DateTime),
)
_ledger = sa.table("ledger_entry", sa.column("log_id", sa.Integer), sa.column("amount", sa.Integer))


def upgrade() -> None:
    # Plain ADD COLUMN on both engines: a batch rebuild of `library` on SQLite would
    # trip the catalogue triggers of migration 0006, which name it.
    op.add_column(
        "library",
        sa.Column("staff_on_boards", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("reading_log", sa.Column("review_note", sa.String(length=500), nullable=True))
    op.create_index("ix_reading_log_member_id_book_id", "reading_log", ["member_id", "book_id"])
    net = (
        sa.select(sa.func.coalesce(sa.func.sum(_ledger.c.amount), 0))
        .where(_ledger.c.log_id == _log.c.id)
        .scalar_subquery()
    )
    op.execute(sa.update(_log).values(points=net))
    op.execute(
        sa.update(_log)
        .where(_log.c.status == "accepted", _log.c.counted_at.is_(None))
        .values(counted_at=_log.c.reviewed_at)
    )


def downgrade() -> None:
    op.drop_index("ix_reading_log_member_id_book_id", table_name="reading_log")
    op.drop_column("reading_log", "review_note")  # SQLite 3.35+ drops columns in place
    op.drop_column("library", "staff_on_boards")
