"""ledger facts for proof of knowledge

Revision ID: a83806b94e02
Revises: a83281a8cec0
Create Date: 2026-11-24 04:26:46.194510
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a83806b94e02"
down_revision: str | None = "a83281a8cec0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accepted_transactions",
        sa.Column("transaction_number", sa.String(length=14), nullable=False),
        sa.Column("program_account", sa.String(length=15), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("fed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("transaction_number", name=op.f("pk_accepted_transactions")),
    )
    op.create_index(
        "ix_accepted_transactions_account_accepted_on", "accepted_transactions", ["program_account", "accepted_on"]
    )
    op.create_table(
        "payments_applied",
        sa.Column("program_account", sa.String(length=15), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("fed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("program_account", "reference", name=op.f("pk_payments_applied")),
    )
    op.create_index("ix_payments_applied_account_applied_on", "payments_applied", ["program_account", "applied_on"])
    op.create_table(
        "statements_of_account",
        sa.Column("program_account", sa.String(length=15), nullable=False),
        sa.Column("period", sa.Date(), nullable=False, comment="First day of the statement's month."),
        sa.Column("closing_balance_cents", sa.BigInteger(), nullable=False),
        sa.Column("fed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("program_account", "period", name=op.f("pk_statements_of_account")),
    )


def downgrade() -> None:
    op.drop_table("statements_of_account")
    op.drop_index("ix_payments_applied_account_applied_on", table_name="payments_applied")
    op.drop_table("payments_applied")
    op.drop_index("ix_accepted_transactions_account_accepted_on", table_name="accepted_transactions")
    op.drop_table("accepted_transactions")
