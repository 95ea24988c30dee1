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


# --- Proxy roles: what a provider's employee may do on a client, through a business relationship -------------

PROVIDER_EXCLUSIONS: frozenset[Scope] = frozenset(
    {
        # changing business or program account information
        Scope.BUSINESS_PROFILE_WRITE,
        Scope.PROGRAM_ACCOUNTS_WRITE,
        # PAD, bank details, payment arrangements, collection notices: neither seen nor changed
        Scope.PAYMENT_SETUP_READ,
        Scope.PAYMENT_SETUP_WRITE,
        # the client's relationship requests and relationships
        Scope.RELATIONSHIPS_READ,
        Scope.RELATIONSHIPS_WRITE,
        # the client's access requests and employee access
        Scope.EMPLOYEES_READ,
        Scope.EMPLOYEES_WRITE,
    }
)
"""Always excluded for providers, whatever the proxy role (DOMAIN.md, seed 002 §4.3)."""


class ProxyRole(StrEnum):
    PROXY_BAM = "proxy_bam"  # pGCE: provider BAMs under a business management relationship
    PROXY_PAM = "proxy_pam"  # pGCP: provider BAMs under program management, or an assigned PAM
    PROXY_EDITOR = "proxy_editor"  # pÉditeur
    PROXY_VIEWER = "proxy_viewer"  # pLecteur
    EXPIRED = "expired"  # provider BAMs after the relationship ended: read what their business submitted


@dataclass(frozen=True)
class ProxyRoleDefinition:
    role: ProxyRole
    rank: int  # which of several paths gives the role of a decision (highest wins)
    scopes: frozenset[Scope]
    assignable_as: Role | None  # the role a provider manager assigns to get it (None: derived, never assigned)

    @property
    def sorted_scopes(self) -> list[str]:
        return sorted(self.scopes)


_EXPIRED_SCOPES = _VIEWER_SCOPES

PROXY_ROLES: Mapping[ProxyRole, ProxyRoleDefinition] = MappingProxyType(
    {
        # Business management ceiling: the BAM's rights minus the provider exclusions, on every program account.
        ProxyRole.PROXY_BAM: ProxyRoleDefinition(ProxyRole.PROXY_BAM, 4, _BAM_SCOPES - PROVIDER_EXCLUSIONS, None),
        # Program management ceiling: the PAM's rights minus the exclusions and without the business profile.
        ProxyRole.PROXY_PAM: ProxyRoleDefinition(
            ProxyRole.PROXY_PAM,
            3,
            _PAM_SCOPES - PROVIDER_EXCLUSIONS - {Scope.BUSINESS_PROFILE_READ},
            Role.PAM,
        ),
        ProxyRole.PROXY_EDITOR: ProxyRoleDefinition(
            ProxyRole.PROXY_EDITOR, 2, _EDITOR_SCOPES - PROVIDER_EXCLUSIONS, Role.EDITOR
        ),
        ProxyRole.PROXY_VIEWER: ProxyRoleDefinition(
            ProxyRole.PROXY_VIEWER, 1, _VIEWER_SCOPES - PROVIDER_EXCLUSIONS, Role.VIEWER
        ),
        ProxyRole.EXPIRED: ProxyRoleDefinition(ProxyRole.EXPIRED, 0, _EXPIRED_SCOPES, None),
    }
)

ASSIGNABLE_ROLES: Mapping[Role, ProxyRole] = MappingProxyType(
    {d.assignable_as: d.role for d in PROXY_ROLES.values() if d.assignable_as is not None}
)
"""The roles a provider manager assigns its staff on a client (``pam``, ``editor``, ``viewer``) -> proxy role."""


def proxy_scopes_for(role: ProxyRole | str) -> list[str]:
    return PROXY_ROLES[ProxyRole(role)].sorted_scopes
