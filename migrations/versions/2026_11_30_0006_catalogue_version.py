"""catalogue version: library.catalogue_version, moved by triggers on badge and challenge

Every write to a library's badges or challenges (from the API, the CLI, a migration or
by hand) moves the library's catalogue_version in the same transaction, so a process may
keep the catalogue in memory and know from the library row alone when it is stale. It
moves to a random other value, not to the next one: a database emptied and filled again
under a running process (ids and counters starting over) does not repeat versions that
process has seen. 0 is a library that never had a badge or challenge.

SQLite drops a table's triggers when a batch migration rebuilds the table: a later
migration that rebuilds `badge` or `challenge` must create these triggers again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("badge", "challenge")
# Any value but the current one: (v + k) mod (2**31 - 1) with k random in 1 .. 2**31 - 2.
PG_NEXT = (
    "((catalogue_version + 1 + floor(random() * 2147483646)::bigint) % 2147483647)::integer"
)
SQLITE_NEXT = "(catalogue_version + 1 + abs(random() % 2147483646)) % 2147483647"
EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    with op.batch_alter_table("library", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("catalogue_version", sa.Integer(), server_default="0", nullable=False)
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION bump_catalogue_version() RETURNS trigger AS $$
            BEGIN
                UPDATE library SET catalogue_version = {PG_NEXT}
                WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.library_id
                                ELSE NEW.library_id END;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_catalogue_version "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION bump_catalogue_version()"
            )
        return
    for table in TABLES:
        for event in EVENTS:
            row = "OLD" if event == "delete" else "NEW"
            op.execute(
                f"CREATE TRIGGER {table}_catalogue_version_{event} "
                f"AFTER {event.upper()} ON {table} BEGIN "
                f"UPDATE library SET catalogue_version = {SQLITE_NEXT} "
                f"WHERE id = {row}.library_id; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_catalogue_version ON {table}")
        op.execute("DROP FUNCTION bump_catalogue_version()")
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER {table}_catalogue_version_{event}")
    with op.batch_alter_table("library", schema=None) as batch_op:
        batch_op.drop_column("catalogue_version")
