from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delegation.businesses.models import Business
from delegation.db import USER_ID, Base
from delegation.programs import ProgramAccess
from delegation.roles import Role
from portal_runtime.messaging import ID_TYPE


class GrantFacts:
    """What a grant's values say, the same for the ORM row and for the record a hot read returns."""

    if TYPE_CHECKING:  # provided by each class (declared here for the type checker only)
        id: int
        role: str
        all_programs: bool
        version: int

    def program_bn15s(self) -> Iterable[str]:
        raise NotImplementedError

    @property
    def access(self) -> ProgramAccess:
        return ProgramAccess.everything() if self.all_programs else ProgramAccess.only(self.program_bn15s())

    @property
    def role_name(self) -> Role:
        return Role(self.role)

    @property
    def etag(self) -> str:
        """Its id and version (the version counts its changes)."""
        return f'"{self.id}.{self.version}"'


class EmployeeGrant(GrantFacts, Base):
    """A user's role on their employer's business: one per (user, business).

    The program accounts are rows of their own (not a list in a column) so that a program account can later be
    removed from every grant with one statement, and "employees within these programs" is an indexed query.
    """

    __tablename__ = "employee_grants"
    __table_args__ = (
        # The decision lookup: a user on a business.
        UniqueConstraint("user_id", "bn", name="uq_employee_grants_user_id_bn"),
        Index("ix_employee_grants_bn_id", "bn", "id"),
        CheckConstraint("role IN ('bam', 'pam', 'editor', 'viewer')", name="role"),
        CheckConstraint("role <> 'bam' OR all_programs", name="bam_has_all_programs"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(USER_ID)
    bn: Mapped[str] = mapped_column(ForeignKey("businesses.bn"))
    role: Mapped[str] = mapped_column(String(16))
    all_programs: Mapped[bool] = mapped_column(Boolean)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    granted_by: Mapped[str] = mapped_column(USER_ID)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # the ETag
    programs: Mapped[list[EmployeeGrantProgram]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="EmployeeGrantProgram.bn15"
    )
    business: Mapped[Business] = relationship(lazy="raise")

    def program_bn15s(self) -> Iterable[str]:
        return (p.bn15 for p in self.programs)


@dataclass(frozen=True)
class GrantRecord(GrantFacts):
    """A grant as a hot read returns it (:func:`delegation.employees.repository.grants_of_two_users`): the values of
    an :class:`EmployeeGrant` with its program accounts, without the ORM object."""

    id: int
    user_id: str
    bn: str
    role: str
    all_programs: bool
    granted_at: datetime
    version: int
    bn15s: tuple[str, ...]

    def program_bn15s(self) -> Iterable[str]:
        return self.bn15s


class EmployeeGrantProgram(Base):
    __tablename__ = "employee_grant_programs"

    grant_id: Mapped[int] = mapped_column(ForeignKey("employee_grants.id", ondelete="CASCADE"), primary_key=True)
    bn15: Mapped[str] = mapped_column(ForeignKey("program_accounts.bn15"), primary_key=True, index=True)
