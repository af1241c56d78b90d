"""partner webhooks (endpoints, outbox deliveries, attempts) and chat streak reminders

A write to a library's webhook endpoints moves `library.catalogue_version` (the trigger
function of migration 0006), so a process may keep the library's subscriptions in
memory next to its catalogue and know from the version when they are stale.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_NEXT = "(catalogue_version + 1 + abs(random() % 2147483646)) % 2147483647"
# Only what changes who is subscribed; a failed attempt counted does not move the version.
WATCHED = "library_id, event_types, enabled, deleted_at"
S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("url", S(length=500), nullable=False),
        sa.Column("description", S(length=200), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret", S(length=80), nullable=False),
        sa.Column("previous_secret", S(length=80), nullable=True),
        sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", S(length=200), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["library_id"], ["library.id"], name=op.f("fk_webhook_endpoint_library_id_library")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["member.id"], name=op.f("fk_webhook_endpoint_created_by_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    op.create_index(
        "ix_webhook_endpoint_library_id", "webhook_endpoint", ["library_id"], unique=False
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("msg_id", S(length=40), nullable=False),
        sa.Column("event_type", S(length=40), nullable=False),
        sa.Column("dedupe_key", S(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", S(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", S(length=300), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')",
            name=op.f("ck_webhook_delivery_status"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint"),
        ),
        sa.ForeignKeyConstraint(
            ["library_id"], ["library.id"], name=op.f("fk_webhook_delivery_library_id_library")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint(
            "endpoint_id", "dedupe_key", name=op.f("uq_webhook_delivery_endpoint_id_dedupe_key")
        ),
    )
    op.create_index(
        "ix_webhook_delivery_status_next_attempt_at",
        "webhook_delivery",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", S(length=2000), nullable=True),
        sa.Column("error", S(length=300), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_delivery.id"],
            name=op.f("fk_webhook_attempt_delivery_id_webhook_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempt")),
    )
    op.create_index(
        "ix_webhook_attempt_delivery_id", "webhook_attempt", ["delivery_id"], unique=False
    )
    with op.batch_alter_table("chat_link", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("reminder_hour", sa.Integer(), server_default="19", nullable=False)
        )
        batch_op.add_column(sa.Column("reminded_on", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER webhook_endpoint_catalogue_version "
            f"AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} ON webhook_endpoint "
            "FOR EACH ROW EXECUTE FUNCTION bump_catalogue_version()"
        )
        return
    for event, row in (("insert", "NEW"), ("delete", "OLD"), ("update", "NEW")):
        what = f"UPDATE OF {WATCHED}" if event == "update" else event.upper()
        op.execute(
            f"CREATE TRIGGER webhook_endpoint_catalogue_version_{event} "
            f"AFTER {what} ON webhook_endpoint BEGIN "
            f"UPDATE library SET catalogue_version = {SQLITE_NEXT} "
            f"WHERE id = {row}.library_id; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER webhook_endpoint_catalogue_version ON webhook_endpoint")
    else:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER webhook_endpoint_catalogue_version_{event}")
    with op.batch_alter_table("chat_link", schema=None) as batch_op:
        batch_op.drop_column("reminded_on")
        batch_op.drop_column("reminder_hour")
        batch_op.drop_column("reminders")
    op.drop_index("ix_webhook_attempt_delivery_id", table_name="webhook_attempt")
    op.drop_table("webhook_attempt")
    op.drop_index("ix_webhook_delivery_status_next_attempt_at", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index("ix_webhook_endpoint_library_id", table_name="webhook_endpoint")
    op.drop_table("webhook_endpoint")
