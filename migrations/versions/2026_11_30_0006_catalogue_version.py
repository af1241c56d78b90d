"""catalogue version: library.catalogue_version, moved by triggers on badge and challenge

Every write to a library's badges or challenges (from the API, the CLI, a migration or
by hand) bumps the library's catalogue_version in the same transaction, so a process may
keep the catalogue in memory and know from the library row alone when it is stale.

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
EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    with op.batch_alter_table("library", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("catalogue_version", sa.Integer(), server_default="0", nullable=False)
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION bump_catalogue_version() RETURNS trigger AS $$
            BEGIN
                UPDATE library SET catalogue_version = catalogue_version + 1
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
                "UPDATE library SET catalogue_version = catalogue_version + 1 "
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
