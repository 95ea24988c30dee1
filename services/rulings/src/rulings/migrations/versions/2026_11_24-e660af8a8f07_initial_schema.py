"""initial schema

Revision ID: e660af8a8f07
Revises:
Create Date: 2026-11-24 04:06:48.300520
"""

from collections.abc import Sequence

from portal_runtime.migrations import create_messaging_tables_v1, drop_messaging_tables_v1

revision: str = "e660af8a8f07"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_messaging_tables_v1()


def downgrade() -> None:
    drop_messaging_tables_v1()
