"""console sessions: the staff console's cookie sign-ins, each tied to an auth session

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0014b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_session",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("auth_session_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["auth_session_id"],
            ["auth_session.id"],
            name=op.f("fk_console_session_auth_session_id_auth_session"),
        ),
        sa.ForeignKeyConstraint(
            ["library_id"], ["library.id"], name=op.f("fk_console_session_library_id_library")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_console_session_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_session")),
    )
    with op.batch_alter_table("console_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_console_session_auth_session_id"), ["auth_session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_console_session_member_id"), ["member_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("console_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_session_member_id"))
        batch_op.drop_index(batch_op.f("ix_console_session_auth_session_id"))
    op.drop_table("console_session")
