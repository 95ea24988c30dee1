"""Which program accounts (BN15) a grant covers: all of them, present and future, or a listed set."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Final, Literal

from pydantic import Field

from portal_contracts.types import ProgramAccountNumber

ALL: Final = "all"

ProgramsValue = Literal["all"] | list[str]
"""How the API and the events write a program selection: ``"all"`` or a list of BN15."""

ProgramsInput = Literal["all"] | Annotated[list[ProgramAccountNumber], Field(min_length=1, max_length=1000)]
"""A program selection in a request body: ``"all"`` or a non-empty list of BN15."""


@dataclass(frozen=True)
class ProgramAccess:
    accounts: frozenset[str] | None = None  # None: every program account of the business

    @classmethod
    def everything(cls) -> ProgramAccess:
        return cls(None)

    @classmethod
    def only(cls, accounts: Iterable[str]) -> ProgramAccess:
        listed = frozenset(accounts)
        if not listed:
            raise ValueError("a program selection lists at least one program account")
        return cls(listed)

    @classmethod
    def parse(cls, value: ProgramsValue) -> ProgramAccess:
        return cls.everything() if value == ALL else cls.only(value)

    @property
    def is_all(self) -> bool:
        return self.accounts is None

    def covers(self, program_account: str) -> bool:
        return self.accounts is None or program_account in self.accounts

    def includes(self, other: ProgramAccess) -> bool:
        """Whether every program account of ``other`` is covered here (``all`` is covered only by ``all``, since
        it includes program accounts the business adds later)."""
        if self.accounts is None:
            return True
        return other.accounts is not None and other.accounts <= self.accounts

    def missing_from(self, other: ProgramAccess) -> list[str]:
        """The program accounts of ``other`` not covered here (``["all"]`` when ``other`` is all and this is not)."""
        if self.accounts is None:
            return []
        if other.accounts is None:
            return [ALL]
        return sorted(other.accounts - self.accounts)

    def overlaps(self, other: ProgramAccess) -> bool:
        if self.accounts is None or other.accounts is None:
            return True
        return not self.accounts.isdisjoint(other.accounts)

    def listed(self) -> list[str] | None:
        """The BN15s, sorted; None for all (the shape of ``Decision.program_accounts``)."""
        return None if self.accounts is None else sorted(self.accounts)

    def to_value(self) -> ProgramsValue:
        return ALL if self.accounts is None else sorted(self.accounts)
