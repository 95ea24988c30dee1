"""Proxy access: what a provider's employee may do on a client, derived at decision time from two facts, the
employee's grant on its provider and the provider's relationship with the client (plus, for staff other than
BAMs, an assignment). Nothing is copied per employee and per client (ARCHITECTURE.md, Zanzibar-style indirection).

- Provider BAMs are implicitly proxy BAM (business management) or proxy PAM on the listed program accounts
  (program management) for every client with an active relationship.
- Other provider staff act for a client only through an assignment (``pam``, ``editor``, ``viewer``), capped by
  the relationship's program accounts: an individual one, or a group role (the client is in a client group of the
  provider the employee is assigned to; a per-client override replaces the group role, ``none`` removes it). A
  group role covers the relationship's program accounts. Both paths count; the decision takes the strongest.
- After the relationship ends or expires, the provider's BAMs keep the ``expired`` role: read-only, and only what
  their business submitted.

The pure functions here hold the rules; decisions, contexts and the access overview all call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from delegation.employees.service import Grant
from delegation.programs import ProgramAccess
from delegation.relationships.models import BusinessRelationship, ProxyAssignment, RelationshipType
from delegation.roles import ASSIGNABLE_ROLES, PROXY_ROLES, ProxyRole, Role


class Visibility(StrEnum):
    """Submitter classes of records (rulings, transactions, declarations) a proxy user may see.

    - ``provider``: submitted by the provider the user acts through (``via_provider``), acting as this provider;
      always on, and the only class left to the ``expired`` role;
    - ``client``: submitted by the client itself, when the client turned ``client_submitted`` on;
    - ``other_businesses``: submitted by other businesses for the client (other providers), when the client turned
      ``other_businesses_submitted`` on; **except rulings and ruling requests**, which a provider never sees when
      another provider submitted them (services apply that exception themselves: the visibility set never lets a
      provider see another provider's rulings).
    """

    PROVIDER = "provider"
    CLIENT = "client"
    OTHER_BUSINESSES = "other_businesses"


@dataclass(frozen=True)
class Terms:
    """What access depends on in a relationship."""

    id: str
    provider_bn: str
    client_bn: str
    type: RelationshipType
    programs: ProgramAccess
    client_submitted: bool
    other_businesses_submitted: bool
    active: bool

    @classmethod
    def of(cls, row: BusinessRelationship, today: date | None = None) -> Terms:
        """With ``today``, a relationship past its expiry date counts as expired at once, before the scheduled job
        closes its row: revocation does not wait for the job's next run."""
        overdue = today is not None and row.expires_on is not None and row.expires_on <= today
        return cls(
            row.id,
            row.provider_bn,
            row.client_bn,
            row.relationship_type,
            row.access,
            row.client_submitted,
            row.other_businesses_submitted,
            row.is_active and not overdue,
        )

    @property
    def visibility(self) -> tuple[Visibility, ...]:
        visible = [Visibility.PROVIDER]
        if self.client_submitted:
            visible.append(Visibility.CLIENT)
        if self.other_businesses_submitted:
            visible.append(Visibility.OTHER_BUSINESSES)
        return tuple(visible)


class Assigned(Protocol):
    @property
    def role(self) -> str: ...

    @property
    def access(self) -> ProgramAccess: ...


@dataclass(frozen=True)
class ProxyAccess:
    """One path from a user to a client: through which provider, with which proxy role, on which programs."""

    role: ProxyRole
    provider_bn: str
    relationship_id: str
    programs: ProgramAccess
    in_relationship: ProgramAccess  # the relationship's own ceiling (to tell the two refusals apart)
    visibility: tuple[Visibility, ...]

    @property
    def rank(self) -> int:
        return PROXY_ROLES[self.role].rank


@dataclass(frozen=True)
class GroupRole:
    """A provider employee's role on one client through a client group (after its override): an assignment on the
    whole relationship, which caps it."""

    role: str

    @property
    def access(self) -> ProgramAccess:
        return ProgramAccess.everything()

    @classmethod
    def of(cls, role: str | None) -> GroupRole | None:
        """None for no group role, or an override to ``none``."""
        return None if role is None or role == "none" else cls(role)


def with_group_roles(
    paths: Iterable[tuple[Grant, Terms, Assigned | None]], group_roles: Mapping[str, str]
) -> Iterator[tuple[Grant, Terms, Assigned | None]]:
    """The paths plus, for each provider that gives the user a group role on the client, a path through it."""
    for grant, terms, assigned in paths:
        yield grant, terms, assigned
        by_group = GroupRole.of(group_roles.get(terms.provider_bn))
        if by_group is not None and grant.role is not Role.BAM:
            yield grant, terms, by_group


def intersection(a: ProgramAccess, b: ProgramAccess) -> ProgramAccess | None:
    """The program accounts both cover (None when they share none)."""
    if a.accounts is None:
        return b
    if b.accounts is None:
        return a
    common = a.accounts & b.accounts
    return ProgramAccess.only(common) if common else None


def union(accesses: Iterable[ProgramAccess]) -> ProgramAccess:
    listed: set[str] = set()
    for access in accesses:
        if access.accounts is None:
            return ProgramAccess.everything()
        listed |= access.accounts
    return ProgramAccess.only(listed)


def proxy_access(grant: Grant, terms: Terms, assignment: Assigned | None) -> ProxyAccess | None:
    """The user's access to the client through one relationship of one of its employers (None: none)."""
    if not terms.active:
        if grant.role is Role.BAM:
            return ProxyAccess(
                ProxyRole.EXPIRED, terms.provider_bn, terms.id, terms.programs, terms.programs, (Visibility.PROVIDER,)
            )
        return None
    if grant.role is Role.BAM:
        role = ProxyRole.PROXY_BAM if terms.type is RelationshipType.BUSINESS_MANAGEMENT else ProxyRole.PROXY_PAM
        return ProxyAccess(role, terms.provider_bn, terms.id, terms.programs, terms.programs, terms.visibility)
    if assignment is None:
        return None
    programs = intersection(terms.programs, assignment.access)
    if programs is None:
        return None
    return ProxyAccess(
        ASSIGNABLE_ROLES[Role(assignment.role)],
        terms.provider_bn,
        terms.id,
        programs,
        terms.programs,
        terms.visibility,
    )


def accesses_to_client(
    paths: Iterable[tuple[Grant, Terms, ProxyAssignment | Assigned | None]],
) -> list[ProxyAccess]:
    """Every path of a user to one client. A provider's ended relationships count only while it has no active one
    with that client (the ``expired`` role); of several ended ones, the latest (paths come in relationship order)."""
    by_provider: dict[str, list[ProxyAccess]] = {}
    for grant, terms, assignment in paths:
        access = proxy_access(grant, terms, assignment)
        if access is not None:
            by_provider.setdefault(terms.provider_bn, []).append(access)
    result = []
    for provider_bn in sorted(by_provider):
        found = by_provider[provider_bn]
        active = [a for a in found if a.role is not ProxyRole.EXPIRED]
        result.extend(active or found[-1:])
    return result


def strongest(accesses: Iterable[ProxyAccess]) -> ProxyAccess:
    """The path that gives a decision its role: highest rank, then the lowest provider BN (deterministic)."""
    return min(accesses, key=lambda a: (-a.rank, a.provider_bn))
