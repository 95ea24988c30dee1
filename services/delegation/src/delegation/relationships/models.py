from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delegation.businesses.models import Business
from delegation.db import USER_ID, Base
from delegation.programs import ProgramAccess
from portal_runtime.messaging import ID_TYPE


class RelationshipRequestStatus(StrEnum):
    PENDING = "pending"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    APPROVED = "approved"


class RelationshipType(StrEnum):
    BUSINESS_MANAGEMENT = "business_management"
    PROGRAM_MANAGEMENT = "program_management"


class RelationshipStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"  # a client BAM ended it
    EXPIRED = "expired"  # it reached its expiry date


class RelationshipRequest(Base):
    """A service provider's request to act for a client, and the client's decision."""

    __tablename__ = "relationship_requests"
    __table_args__ = (
        # One open request (pending, or rejected and not yet cancelled) per provider and client.
        Index(
            "uq_relationship_requests_open",
            "provider_bn",
            "client_bn",
            unique=True,
            postgresql_where=text("status IN ('pending', 'rejected')"),
            sqlite_where=text("status IN ('pending', 'rejected')"),
        ),
        Index("ix_relationship_requests_provider_bn_seq", "provider_bn", "seq"),
        Index("ix_relationship_requests_client_bn_seq", "client_bn", "seq"),
        CheckConstraint("status IN ('pending', 'rejected', 'cancelled', 'approved')", name="status"),
    )

    seq: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    provider_bn: Mapped[str] = mapped_column(ForeignKey("businesses.bn"))
    client_bn: Mapped[str] = mapped_column(ForeignKey("businesses.bn"))
    requested_by: Mapped[str] = mapped_column(USER_ID)
    comment: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(USER_ID)
    rejection_comment: Mapped[str | None] = mapped_column(String(256))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    relationship_id: Mapped[str | None] = mapped_column(String(36))
    provider: Mapped[Business] = relationship(foreign_keys=[provider_bn], lazy="joined", innerjoin=True)
    client: Mapped[Business] = relationship(foreign_keys=[client_bn], lazy="joined", innerjoin=True)


class BusinessRelationship(Base):
    """A provider acting for a client: its type, program accounts, visibility and expiry.

    Rows are never reused: ending or expiry closes the row, and re-establishing creates a new one with nothing of
    the old configuration. The provider's staff's access is derived from it at decision time (provider BAMs) or
    from the assignments hanging off it, never copied per employee.
    """

    __tablename__ = "business_relationships"
    __table_args__ = (
        Index(
            "uq_business_relationships_active",
            "provider_bn",
            "client_bn",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        # The decision lookup (client first: the gateway asks about one business) and the provider's list.
        Index("ix_business_relationships_client_bn_provider_bn", "client_bn", "provider_bn", "status"),
        Index("ix_business_relationships_provider_bn_status", "provider_bn", "status"),
        # The expiry job.
        Index("ix_business_relationships_status_expires_on", "status", "expires_on"),
        CheckConstraint("status IN ('active', 'ended', 'expired')", name="status"),
        CheckConstraint("type IN ('business_management', 'program_management')", name="type"),
        CheckConstraint("type <> 'business_management' OR all_programs", name="business_management_all_programs"),
    )

    seq: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    provider_bn: Mapped[str] = mapped_column(ForeignKey("businesses.bn"))
    client_bn: Mapped[str] = mapped_column(ForeignKey("businesses.bn"))
    type: Mapped[str] = mapped_column(String(24))
    all_programs: Mapped[bool] = mapped_column(Boolean)
    programs: Mapped[list[str]] = mapped_column(JSON)  # BN15s, when not all
    client_submitted: Mapped[bool] = mapped_column(Boolean)
    other_businesses_submitted: Mapped[bool] = mapped_column(Boolean)
    expires_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)  # the ETag
    established_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    established_by: Mapped[str] = mapped_column(USER_ID)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(USER_ID)
    provider: Mapped[Business] = relationship(foreign_keys=[provider_bn], lazy="raise")
    client: Mapped[Business] = relationship(foreign_keys=[client_bn], lazy="raise")

    @property
    def access(self) -> ProgramAccess:
        return ProgramAccess.everything() if self.all_programs else ProgramAccess.only(self.programs)

    @property
    def relationship_type(self) -> RelationshipType:
        return RelationshipType(self.type)

    @property
    def is_active(self) -> bool:
        return self.status == RelationshipStatus.ACTIVE

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.version}"'


class ProxyAssignment(Base):
    """A provider employee assigned to a client with a proxy role (pam, editor, viewer) on some program accounts,
    for one relationship: when the relationship ends, its assignments go with it."""

    __tablename__ = "proxy_assignments"
    __table_args__ = (
        Index("uq_proxy_assignments_relationship_id_user_id", "relationship_id", "user_id", unique=True),
        Index("ix_proxy_assignments_user_id", "user_id"),
        CheckConstraint("role IN ('pam', 'editor', 'viewer')", name="role"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    relationship_id: Mapped[str] = mapped_column(
        ForeignKey("business_relationships.id", ondelete="CASCADE"), index=False
    )
    user_id: Mapped[str] = mapped_column(USER_ID)
    role: Mapped[str] = mapped_column(String(16))
    all_programs: Mapped[bool] = mapped_column(Boolean)
    programs: Mapped[list[str]] = mapped_column(JSON)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assigned_by: Mapped[str] = mapped_column(USER_ID)

    @property
    def access(self) -> ProgramAccess:
        return ProgramAccess.everything() if self.all_programs else ProgramAccess.only(self.programs)


class IdempotentResponse(Base):
    """The first response to a POST sent with an ``Idempotency-Key``: replays return it."""

    __tablename__ = "idempotent_responses"

    operation: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal: Mapped[str] = mapped_column(String(128), primary_key=True)  # who sent it, acting for which business
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
