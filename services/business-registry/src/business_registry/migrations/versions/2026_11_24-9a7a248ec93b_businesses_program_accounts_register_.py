"""businesses, program accounts, register records, registration attempts

Revision ID: 9a7a248ec93b
Revises: 0b622375201e
Create Date: 2026-11-24 04:31:58.997580
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9a7a248ec93b"
down_revision: str | None = "0b622375201e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _address_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("po_box", sa.String(length=60), nullable=True),
        sa.Column("line1", sa.String(length=120), nullable=False),
        sa.Column("line2", sa.String(length=120), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("province", sa.String(length=60), nullable=True),
        sa.Column("city", sa.String(length=80), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "businesses",
        sa.Column("bn", sa.String(length=9), nullable=False),
        sa.Column("legal_name", sa.String(length=175), nullable=False),
        sa.Column("operating_name", sa.String(length=175), nullable=True),
        *_address_columns(),
        sa.Column("mailing_language", sa.String(length=2), nullable=False),
        sa.Column("mailing_address", sa.JSON(), nullable=True),
        sa.Column("registrant_user_id", sa.String(length=128), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, comment="Incremented on every change; the ETag."),
        sa.PrimaryKeyConstraint("bn", name=op.f("pk_businesses")),
    )
    op.create_table(
        "program_accounts",
        sa.Column("bn15", sa.String(length=15), nullable=False),
        sa.Column("bn", sa.String(length=9), nullable=False),
        sa.Column("reference", sa.String(length=6), nullable=False, comment="RM + four digits, e.g. RM0001."),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bn"], ["businesses.bn"], name=op.f("fk_program_accounts_bn_businesses")),
        sa.PrimaryKeyConstraint("bn15", name=op.f("pk_program_accounts")),
    )
    op.create_index(op.f("ix_program_accounts_bn"), "program_accounts", ["bn"])
    op.create_table(
        "register_records",
        sa.Column("bn", sa.String(length=9), nullable=False),
        sa.Column("legal_name", sa.String(length=175), nullable=False),
        sa.Column("operating_name", sa.String(length=175), nullable=True),
        *_address_columns(),
        sa.Column("program_accounts", sa.JSON(), nullable=False, comment="BN15s of the business's RM accounts."),
        sa.Column("fed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bn", name=op.f("pk_register_records")),
    )
    op.create_table(
        "registration_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("bn", sa.String(length=9), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False, comment="pending, failed, succeeded or abandoned."),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_attempts")),
    )
    op.create_index("ix_registration_attempts_bn_started_at", "registration_attempts", ["bn", "started_at"])
    op.create_index("ix_registration_attempts_user_id_started_at", "registration_attempts", ["user_id", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_registration_attempts_user_id_started_at", table_name="registration_attempts")
    op.drop_index("ix_registration_attempts_bn_started_at", table_name="registration_attempts")
    op.drop_table("registration_attempts")
    op.drop_table("register_records")
    op.drop_index(op.f("ix_program_accounts_bn"), table_name="program_accounts")
    op.drop_table("program_accounts")
    op.drop_table("businesses")
