"""slims import: a library's SLiMS records, member cards and import cursors

Revision ID: 0014
Revises: 0006
Create Date: 2026-12-01 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0014"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slims_holding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("title_key", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("isbn13", sqlmodel.sql.sqltypes.AutoString(length=13), nullable=True),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["book_id"], ["book.id"], name=op.f("fk_slims_holding_book_id_book")
        ),
        sa.ForeignKeyConstraint(
            ["library_id"], ["library.id"], name=op.f("fk_slims_holding_library_id_library")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slims_holding")),
        sa.UniqueConstraint(
            "library_id", "source_id", name=op.f("uq_slims_holding_library_id_source_id")
        ),
    )
    with op.batch_alter_table("slims_holding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slims_holding_book_id"), ["book_id"], unique=False)
        batch_op.create_index(
            "ix_slims_holding_library_id_title_key", ["library_id", "title_key"], unique=False
        )

    op.create_table(
        "slims_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("card_number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("institution", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claim_locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["library_id"], ["library.id"], name=op.f("fk_slims_member_library_id_library")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_slims_member_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slims_member")),
        sa.UniqueConstraint(
            "library_id", "card_number", name=op.f("uq_slims_member_library_id_card_number")
        ),
        sa.UniqueConstraint("member_id", name=op.f("uq_slims_member_member_id")),
    )

    op.create_table(
        "slims_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("stream", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("route", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("position", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("high_water", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("started_mark", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["library_id"], ["library.id"], name=op.f("fk_slims_cursor_library_id_library")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slims_cursor")),
        sa.UniqueConstraint(
            "library_id", "stream", "route", name=op.f("uq_slims_cursor_library_id_stream_route")
        ),
    )


def downgrade() -> None:
    op.drop_table("slims_cursor")
    op.drop_table("slims_member")
    with op.batch_alter_table("slims_holding", schema=None) as batch_op:
        batch_op.drop_index("ix_slims_holding_library_id_title_key")
        batch_op.drop_index(batch_op.f("ix_slims_holding_book_id"))
    op.drop_table("slims_holding")
