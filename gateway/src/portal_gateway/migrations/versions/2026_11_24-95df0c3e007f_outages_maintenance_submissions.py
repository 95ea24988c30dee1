"""outages maintenance submissions

Revision ID: 95df0c3e007f
Revises:
Create Date: 2026-11-24 08:02:30.294119
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal_runtime.migrations import create_messaging_tables_v1, drop_messaging_tables_v1

revision: str = "95df0c3e007f"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_messaging_tables_v1()
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("component", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("message_fr", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_windows")),
    )
    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.create_index("ix_maintenance_windows_ends_at", ["ends_at"], unique=False)

    op.create_table(
        "outage_windows",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("component", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("maintenance_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outage_windows")),
    )
    with op.batch_alter_table("outage_windows", schema=None) as batch_op:
        batch_op.create_index("ix_outage_windows_component_ended_at", ["component", "ended_at"], unique=False)
        batch_op.create_index("ix_outage_windows_started_at", ["started_at"], unique=False)
        batch_op.create_index(
            "uq_outage_windows_open",
            ["component"],
            unique=True,
            postgresql_where=sa.text("ended_at IS NULL"),
            sqlite_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "submissions",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_location", sa.Text(), nullable=True),
        sa.Column("response_content_type", sa.String(length=200), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_submissions")),
        sa.UniqueConstraint("id", name=op.f("uq_submissions_id")),
        sa.UniqueConstraint("service", "subject", "idempotency_key", name="uq_submissions_idempotency"),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index("ix_submissions_service_state", ["service", "state", "seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_service_state")

    op.drop_table("submissions")
    with op.batch_alter_table("outage_windows", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_outage_windows_open",
            postgresql_where=sa.text("ended_at IS NULL"),
            sqlite_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index("ix_outage_windows_started_at")
        batch_op.drop_index("ix_outage_windows_component_ended_at")

    op.drop_table("outage_windows")
    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.drop_index("ix_maintenance_windows_ends_at")

    op.drop_table("maintenance_windows")
    drop_messaging_tables_v1()
