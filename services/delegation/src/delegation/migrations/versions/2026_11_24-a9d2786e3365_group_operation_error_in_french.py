"""group operation error in French

A failed group operation keeps its reason in both official languages; the processing table shows the caller's.

Revision ID: a9d2786e3365
Revises: fb647cc10d30
Create Date: 2026-11-24 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a9d2786e3365"
down_revision: str | None = "fb647cc10d30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("group_operations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_detail_fr", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("group_operations", schema=None) as batch_op:
        batch_op.drop_column("error_detail_fr")
