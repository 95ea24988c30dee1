"""TOTP secrets sealed: room for the AES-256-GCM envelope

Revision ID: c3a1e5d7f9b2
Revises: 0d4e9f4b648a
Create Date: 2026-11-24 08:30:00.000000

The rows themselves are sealed by the service (it holds the key ring; migrations do not): at start
(identity.factors.sealing.reseal_totp_secrets) and on first use.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3a1e5d7f9b2"
down_revision: str | None = "0d4e9f4b648a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("totp_factors", schema=None) as batch_op:
        batch_op.alter_column("secret", existing_type=sa.String(length=64), type_=sa.String(length=255))


def downgrade() -> None:
    with op.batch_alter_table("totp_factors", schema=None) as batch_op:
        batch_op.alter_column("secret", existing_type=sa.String(length=255), type_=sa.String(length=64))
