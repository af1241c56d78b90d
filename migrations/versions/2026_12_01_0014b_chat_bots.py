"""chat bots: chats linked to members, one-time link codes, updates already handled

Revision ID: 0014b
Revises: 0014
Create Date: 2026-12-01 10:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0014b"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_chat_link_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_link")),
        sa.UniqueConstraint("platform", "chat_id", name=op.f("uq_chat_link_platform_chat_id")),
    )
    with op.batch_alter_table("chat_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_link_member_id"), ["member_id"], unique=False)
    op.create_table(
        "chat_link_code",
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_chat_link_code_member_id_member")
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_chat_link_code")),
    )
    with op.batch_alter_table("chat_link_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_link_code_member_id"), ["member_id"], unique=False
        )
    op.create_table(
        "chat_update",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("update_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "update_id", name=op.f("pk_chat_update")),
    )


def downgrade() -> None:
    op.drop_table("chat_update")
    with op.batch_alter_table("chat_link_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_link_code_member_id"))
    op.drop_table("chat_link_code")
    with op.batch_alter_table("chat_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_link_member_id"))
    op.drop_table("chat_link")
