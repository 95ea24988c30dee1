"""Own-business roles and the scopes each gives: the one table that decisions, the API and the
authorization-matrix tests read (ARCHITECTURE.md, "Authorization: roles become scopes").

Rules that depend on more than the role (a PAM manages only the employees of its program accounts, only a BAM
edits relationships) are enforced by the use cases; the table says what the role may attempt at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from portal_contracts.scopes import Scope


class Role(StrEnum):
    BAM = "bam"  # business account manager (GCE)
    PAM = "pam"  # program account manager (GCP)
    EDITOR = "editor"
    VIEWER = "viewer"


@dataclass(frozen=True)
class RoleDefinition:
    role: Role
    rank: int  # hierarchy: a manager acts only on roles of lower or equal rank it may grant
    scopes: frozenset[Scope]
    always_all_programs: bool  # the role covers every program account of the business, present and future
    manages_access: bool  # may decide access requests and manage employees

    def may_grant(self, role: Role) -> bool:
        """BAM > PAM > editor/viewer: a manager grants its own role or lower, never above it."""
        return self.manages_access and ROLES[role].rank <= self.rank

    @property
    def sorted_scopes(self) -> list[str]:
        return sorted(self.scopes)


_BAM_SCOPES = frozenset(Scope)
_PAM_SCOPES = _BAM_SCOPES - {Scope.BUSINESS_PROFILE_WRITE}
_VIEWER_SCOPES = frozenset({Scope.FINANCIAL_READ, Scope.PAYMENTS_READ, Scope.DECLARATIONS_READ, Scope.RULINGS_READ})
_EDITOR_SCOPES = _VIEWER_SCOPES | {Scope.PAYMENTS_WRITE, Scope.DECLARATIONS_WRITE, Scope.RULINGS_WRITE}

ROLES: Mapping[Role, RoleDefinition] = MappingProxyType(
    {
        Role.BAM: RoleDefinition(Role.BAM, 3, _BAM_SCOPES, always_all_programs=True, manages_access=True),
        # PAM: everything on its program accounts but editing the business profile; `relationships:write` is
        # kept for approving relationship requests (editing a relationship is BAM-only, checked by that use case).
        Role.PAM: RoleDefinition(Role.PAM, 2, _PAM_SCOPES, always_all_programs=False, manages_access=True),
        Role.EDITOR: RoleDefinition(Role.EDITOR, 1, _EDITOR_SCOPES, always_all_programs=False, manages_access=False),
        Role.VIEWER: RoleDefinition(Role.VIEWER, 1, _VIEWER_SCOPES, always_all_programs=False, manages_access=False),
    }
)


def scopes_for(role: Role | str) -> list[str]:
    """The role-derived scopes, sorted (what a decision answers)."""
    return ROLES[Role(role)].sorted_scopes
