"""scale: a library's app-store links (Play Store, App Store) for its public pages

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch rebuild): SQLite keeps the library table's triggers.
    op.add_column(
        "library",
        sa.Column("play_store_url", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    )
    op.add_column(
        "library",
        sa.Column("app_store_url", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("library", schema=None) as batch_op:
        batch_op.drop_column("app_store_url")
        batch_op.drop_column("play_store_url")
