"""review contests: a challenge's goal may be `reviews`; a review keeps its local day

A review contest is a challenge whose goal counts its participants' approved reviews
written inside its window, so `challenge.goal` accepts 'reviews' and `book_review` gains
`written_on` (the library's local date the review was written or last rewritten). Reviews
written before this revision have no day and count for no contest (none existed).

On SQLite the batch rebuild of `challenge` drops the catalogue-version triggers of
revision 0006; they are created again here, with the same names and bodies.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_GOALS = "goal IN ('books', 'pages', 'minutes')"
NEW_GOALS = "goal IN ('books', 'pages', 'minutes', 'reviews')"
# As in revision 0006: any value but the current one.
SQLITE_NEXT = "(catalogue_version + 1 + abs(random() % 2147483646)) % 2147483647"
EVENTS = ("insert", "update", "delete")


def _goal_check(condition: str) -> None:
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_challenge_goal"), type_="check")
        batch_op.create_check_constraint(op.f("ck_challenge_goal"), condition)


def _sqlite_triggers() -> None:
    """Revision 0006's triggers on `challenge`, which a SQLite table rebuild drops."""
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL alters the table in place and keeps its triggers
    for event in EVENTS:
        row = "OLD" if event == "delete" else "NEW"
        op.execute(f"DROP TRIGGER IF EXISTS challenge_catalogue_version_{event}")
        op.execute(
            f"CREATE TRIGGER challenge_catalogue_version_{event} "
            f"AFTER {event.upper()} ON challenge BEGIN "
            f"UPDATE library SET catalogue_version = {SQLITE_NEXT} "
            f"WHERE id = {row}.library_id; END"
        )


def upgrade() -> None:
    _goal_check(NEW_GOALS)
    _sqlite_triggers()
    with op.batch_alter_table("book_review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("written_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("book_review", schema=None) as batch_op:
        batch_op.drop_column("written_on")
    contests = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM challenge WHERE goal = 'reviews'")
    ).scalar_one()
    if contests:  # their points and completions are in the ledger: never drop them silently
        raise RuntimeError(f"{contests} review contest(s) exist; the older schema cannot hold them")
    _goal_check(OLD_GOALS)
    _sqlite_triggers()
