"""Client groups (seed 002 §6): a provider's named set of clients, the provider employees assigned to it with a
group role, per-client overrides of that role, and the operations that change them (the processing table).

Zanzibar-style indirection (ARCHITECTURE.md): adding a client to a group is one membership row; the group's
employees' access to it is derived at decision time from (membership, group assignment, override), never copied
per employee and per client.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from delegation.db import USER_ID, Base
from portal_runtime.messaging import ID_TYPE


class ClientGroup(Base):
    __tablename__ = "client_groups"
    __table_args__ = (
        Index("uq_client_groups_provider_bn_name", "provider_bn", "name", unique=True),
        Index("ix_client_groups_provider_bn_seq", "provider_bn", "seq"),
    )

    seq: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    provider_bn: Mapped[str] = mapped_column(ForeignKey("businesses.bn"))
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)  # the ETag
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(USER_ID)

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.version}"'


class ClientGroupMember(Base):
    """A client in a group. ``provider_bn`` is repeated here so that "in no other group of the same provider" is a
    unique index, and the decision finds the group of (provider, client) with one lookup."""

    __tablename__ = "client_group_members"
    __table_args__ = (Index("uq_client_group_members_provider_bn_client_bn", "provider_bn", "client_bn", unique=True),)

    group_id: Mapped[str] = mapped_column(ForeignKey("client_groups.id", ondelete="CASCADE"), primary_key=True)
    client_bn: Mapped[str] = mapped_column(ForeignKey("businesses.bn"), primary_key=True)
    provider_bn: Mapped[str] = mapped_column(String(9))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GroupAssignment(Base):
    """A provider employee (PAM, editor, viewer) assigned to a group with a default role for all its clients."""

    __tablename__ = "group_assignments"
    __table_args__ = (
        Index("ix_group_assignments_user_id", "user_id"),
        CheckConstraint("role IN ('pam', 'editor', 'viewer')", name="role"),
    )

    group_id: Mapped[str] = mapped_column(ForeignKey("client_groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(USER_ID, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assigned_by: Mapped[str] = mapped_column(USER_ID)


class GroupOverride(Base):
    """A per-client replacement of an assigned employee's group role; ``none`` removes that client."""

    __tablename__ = "group_overrides"
    __table_args__ = (CheckConstraint("role IN ('pam', 'editor', 'viewer', 'none')", name="role"),)

    group_id: Mapped[str] = mapped_column(ForeignKey("client_groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(USER_ID, primary_key=True)
    client_bn: Mapped[str] = mapped_column(String(9), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    set_by: Mapped[str] = mapped_column(USER_ID)


class OperationState(StrEnum):
    PENDING = "pending"
    FAILED = "failed"
    COMPLETED = "completed"


class OperationType(StrEnum):
    CREATE_GROUP = "create_group"
    ADD_CLIENTS = "add_clients"
    REMOVE_CLIENT = "remove_client"
    DELETE_GROUP = "delete_group"
    ASSIGN_EMPLOYEE = "assign_employee"
    SET_OVERRIDE = "set_override"
    UNASSIGN_EMPLOYEE = "unassign_employee"


class GroupOperation(Base):
    """One asynchronous group change: a row of the processing table. No foreign key to the group: the row
    outlives a deleted group (it keeps the group's name)."""

    __tablename__ = "group_operations"
    __table_args__ = (
        Index("ix_group_operations_provider_bn_seq", "provider_bn", "seq"),
        Index("ix_group_operations_state_seq", "state", "seq"),
        CheckConstraint("state IN ('pending', 'failed', 'completed')", name="state"),
    )

    seq: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    provider_bn: Mapped[str] = mapped_column(String(9))
    type: Mapped[str] = mapped_column(String(32))
    group_id: Mapped[str] = mapped_column(String(36))
    group_name: Mapped[str] = mapped_column(String(100))
    initiator: Mapped[str] = mapped_column(USER_ID)
    state: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_detail: Mapped[str | None] = mapped_column(String(500))
    error_detail_fr: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
