"""employees and access requests

The business read model, employee grants (user, business, role, program accounts), access requests and the
append-only audit trail of access changes (the database refuses updates and deletes of its rows).

Revision ID: ddada2979123
Revises: 675429d9d197
Create Date: 2026-11-24 04:27:46.517132
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ddada2979123"
down_revision: str | None = "675429d9d197"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "access_audit is append-only"


def _make_audit_append_only() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION access_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER access_audit_append_only BEFORE UPDATE OR DELETE ON access_audit "
            "FOR EACH ROW EXECUTE FUNCTION access_audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER access_audit_no_truncate BEFORE TRUNCATE ON access_audit "
            "FOR EACH STATEMENT EXECUTE FUNCTION access_audit_append_only()"
        )
    else:
        for statement in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER access_audit_no_{statement.lower()} BEFORE {statement} ON access_audit "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def upgrade() -> None:
    op.create_table(
        "access_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.String(length=64), nullable=False),
        sa.Column("acting_as", sa.String(length=9), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_user_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_audit")),
    )
    with op.batch_alter_table("access_audit", schema=None) as batch_op:
        batch_op.create_index("ix_access_audit_acting_as_id", ["acting_as", "id"], unique=False)
    _make_audit_append_only()

    op.create_table(
        "businesses",
        sa.Column("bn", sa.String(length=9), nullable=False),
        sa.Column("legal_name", sa.String(length=175), nullable=False),
        sa.Column("operating_name", sa.String(length=175), nullable=True),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bn", name=op.f("pk_businesses")),
    )
    op.create_table(
        "access_requests",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("bn", sa.String(length=9), nullable=False),
        sa.Column("requester_user_id", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.String(length=256), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("granted_role", sa.String(length=16), nullable=True),
        sa.Column("granted_programs", sa.JSON(), nullable=True),
        sa.Column("rejection_comment", sa.String(length=256), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f("ck_access_requests_status")),
        sa.ForeignKeyConstraint(["bn"], ["businesses.bn"], name=op.f("fk_access_requests_bn_businesses")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_access_requests")),
        sa.UniqueConstraint("id", name=op.f("uq_access_requests_id")),
    )
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.create_index("ix_access_requests_bn_status_seq", ["bn", "status", "seq"], unique=False)
        batch_op.create_index("ix_access_requests_requester_user_id_seq", ["requester_user_id", "seq"], unique=False)
        batch_op.create_index(
            "uq_access_requests_pending",
            ["bn", "requester_user_id"],
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "employee_grants",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("bn", sa.String(length=9), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("all_programs", sa.Boolean(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint("role <> 'bam' OR all_programs", name=op.f("ck_employee_grants_bam_has_all_programs")),
        sa.CheckConstraint("role IN ('bam', 'pam', 'editor', 'viewer')", name=op.f("ck_employee_grants_role")),
        sa.ForeignKeyConstraint(["bn"], ["businesses.bn"], name=op.f("fk_employee_grants_bn_businesses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_grants")),
        sa.UniqueConstraint("user_id", "bn", name="uq_employee_grants_user_id_bn"),
    )
    with op.batch_alter_table("employee_grants", schema=None) as batch_op:
        batch_op.create_index("ix_employee_grants_bn_id", ["bn", "id"], unique=False)

    op.create_table(
        "program_accounts",
        sa.Column("bn15", sa.String(length=15), nullable=False),
        sa.Column("bn", sa.String(length=9), nullable=False),
        sa.ForeignKeyConstraint(
            ["bn"], ["businesses.bn"], name=op.f("fk_program_accounts_bn_businesses"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("bn15", name=op.f("pk_program_accounts")),
    )
    with op.batch_alter_table("program_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_program_accounts_bn"), ["bn"], unique=False)

    op.create_table(
        "employee_grant_programs",
        sa.Column("grant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bn15", sa.String(length=15), nullable=False),
        sa.ForeignKeyConstraint(
            ["bn15"], ["program_accounts.bn15"], name=op.f("fk_employee_grant_programs_bn15_program_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["employee_grants.id"],
            name=op.f("fk_employee_grant_programs_grant_id_employee_grants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("grant_id", "bn15", name=op.f("pk_employee_grant_programs")),
    )
    with op.batch_alter_table("employee_grant_programs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employee_grant_programs_bn15"), ["bn15"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("employee_grant_programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employee_grant_programs_bn15"))

    op.drop_table("employee_grant_programs")
    with op.batch_alter_table("program_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_accounts_bn"))

    op.drop_table("program_accounts")
    with op.batch_alter_table("employee_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_employee_grants_bn_id")

    op.drop_table("employee_grants")
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_access_requests_pending",
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index("ix_access_requests_requester_user_id_seq")
        batch_op.drop_index("ix_access_requests_bn_status_seq")

    op.drop_table("access_requests")
    op.drop_table("businesses")
    with op.batch_alter_table("access_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_access_audit_acting_as_id")

    op.drop_table("access_audit")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION access_audit_append_only()")
