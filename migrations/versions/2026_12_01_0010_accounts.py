"""accounts: throttling counters, desk reset codes, guardians' consent, class codes;
a member's confirmed school and deletion; who spent a refresh token

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit")),
    )
    with op.batch_alter_table("rate_limit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_password_reset_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["member.id"], name=op.f("fk_password_reset_issued_by_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
    )
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.create_index("ix_password_reset_member_id", ["member_id"], unique=False)

    op.create_table(
        "guardian_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"], ["member.id"], name=op.f("fk_guardian_consent_child_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["member.id"], name=op.f("fk_guardian_consent_guardian_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardian_consent")),
    )
    with op.batch_alter_table("guardian_consent", schema=None) as batch_op:
        batch_op.create_index("ix_guardian_consent_child_id", ["child_id"], unique=False)

    op.create_table(
        "class_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("school", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["library_id"], ["library.id"], name=op.f("fk_class_code_library_id_library")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["member.id"], name=op.f("fk_class_code_created_by_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_code")),
        sa.UniqueConstraint("code", name=op.f("uq_class_code_code")),
    )

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("school_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("used_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.drop_column("used_by")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("school_confirmed_at")
    op.drop_table("class_code")
    with op.batch_alter_table("guardian_consent", schema=None) as batch_op:
        batch_op.drop_index("ix_guardian_consent_child_id")
    op.drop_table("guardian_consent")
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.drop_index("ix_password_reset_member_id")
    op.drop_table("password_reset")
    with op.batch_alter_table("rate_limit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limit_expires_at"))
    op.drop_table("rate_limit")
