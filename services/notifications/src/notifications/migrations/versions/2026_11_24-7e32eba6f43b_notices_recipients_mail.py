"""notices, recipients, mail

Revision ID: 7e32eba6f43b
Revises: d1be456adb71
Create Date: 2026-11-24 04:29:27.570900
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7e32eba6f43b"
down_revision: str | None = "d1be456adb71"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recipients",
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("first_name", sa.String(), nullable=False),
        sa.Column("last_name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("notices_by_email", sa.Boolean(), nullable=False),
        sa.Column("profile_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_recipients")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("recipient_user_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("business_bn", sa.String(length=9), nullable=True),
        sa.Column("business_name", sa.String(), nullable=True),
        sa.Column("program_account", sa.String(length=15), nullable=True),
        sa.Column("source_event_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("source_event_id", "recipient_user_id", name="uq_notices_source_event_recipient"),
    )
    op.create_index("ix_notices_recipient_created", "notices", ["recipient_user_id", "created_at", "id"])
    op.create_table(
        "outbound_email",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("notice_id", sa.String(length=36), nullable=False),
        sa.Column("to_address", sa.String(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_outbound_email_notice_id_notices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_email")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_outbound_email_notice_id")),
    )
    pending = sa.text("status = 'pending'")
    op.create_index(
        "ix_outbound_email_due", "outbound_email", ["next_attempt_at"], postgresql_where=pending, sqlite_where=pending
    )
    op.create_table(
        "sandbox_mail",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("to_address", sa.String(), nullable=False),
        sa.Column("from_address", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_mail")),
    )
    op.create_index("ix_sandbox_mail_to_received", "sandbox_mail", ["to_address", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_sandbox_mail_to_received", table_name="sandbox_mail")
    op.drop_table("sandbox_mail")
    op.drop_index("ix_outbound_email_due", table_name="outbound_email")
    op.drop_table("outbound_email")
    op.drop_index("ix_notices_recipient_created", table_name="notices")
    op.drop_table("notices")
    op.drop_table("recipients")
