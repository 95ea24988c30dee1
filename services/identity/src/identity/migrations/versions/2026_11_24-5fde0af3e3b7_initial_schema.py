"""initial schema

Revision ID: 5fde0af3e3b7
Revises:
Create Date: 2026-11-24 04:07:20.894842
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal_runtime.migrations import create_messaging_tables_v1, drop_messaging_tables_v1

revision: str = "5fde0af3e3b7"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_messaging_tables_v1()
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("private_jwk", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
    )


def downgrade() -> None:
    op.drop_table("signing_keys")
    drop_messaging_tables_v1()
