"""The decision index: in memory, exactly the rows :func:`delegation.decisions.service.decide` reads, so that a
decision is a few dictionary lookups instead of several SQL round trips. The database stays the source of truth:
:mod:`delegation.decisions.loader` fills the index from the tables and reloads the rows an event names.

What it holds, keyed as the decision looks it up:

- grants by (user, business) and the businesses each user works for (by user);
- relationships by client then provider (every status, in relationship order) with their terms, and by id;
- proxy assignments by relationship then user;
- group memberships by (provider, client), group assignments by group then user, overrides by group then
  (user, client);
- the registered businesses.

Expiry by date is evaluated at decision time with the business-timezone ``today`` (as on the SQL path).
Decisions of own-business employees are computed once per grant: the same :class:`Decision` object answers every
question on that grant (callers must not mutate it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from delegation.decisions.service import Reason, decision_for, proxy_decision
from delegation.employees.service import Grant
from delegation.programs import ProgramAccess
from delegation.relationships.proxy import Terms, accesses_to_client, with_group_roles
from delegation.roles import Role
from portal_contracts.internal import Decision

NOT_REGISTERED = Decision(allow=False, reason=Reason.BUSINESS_NOT_REGISTERED)
NOT_ASSOCIATED = Decision(allow=False, reason=Reason.NOT_ASSOCIATED)


@dataclass(frozen=True, slots=True)
class IndexedGrant:
    """An employee grant with its decisions computed once."""

    grant: Grant
    allowed: Decision
    refused: Decision  # a program account the grant does not cover

    @classmethod
    def of(cls, grant: Grant) -> IndexedGrant:
        return cls(grant, *_grant_decisions(grant.role, grant.programs))

    def decide(self, program_account: str | None) -> Decision:
        accounts = self.grant.programs.accounts
        if program_account is None or accounts is None or program_account in accounts:
            return self.allowed
        return self.refused


_NOT_AN_ACCOUNT = "-"  # covered by no listed grant: gives the refusal of a grant with listed program accounts


@lru_cache(maxsize=8192)
def _grant_decisions(role: Role, programs: ProgramAccess) -> tuple[Decision, Decision]:
    """The decisions of a grant, shared by every grant of the same role and program accounts (100,000 BAMs on
    all program accounts hold one pair)."""
    grant = Grant("", "", role, programs)
    refused = decision_for(grant, _NOT_AN_ACCOUNT) if programs.accounts is not None else decision_for(grant)
    return decision_for(grant), refused


@dataclass(frozen=True, slots=True)
class IndexedRelationship:
    terms: Terms  # active = the row's status is active; the expiry date is checked at decision time
    expires_on: date | None
    seq: int

    def terms_on(self, today: date) -> Terms:
        if self.terms.active and self.expires_on is not None and self.expires_on <= today:
            return replace(self.terms, active=False)
        return self.terms


@dataclass(frozen=True, slots=True)
class IndexedAssignment:
    """A proxy assignment (what :class:`delegation.relationships.proxy.Assigned` needs)."""

    role: str
    access: ProgramAccess


@dataclass
class DecisionIndex:
    grants: dict[tuple[str, str], IndexedGrant] = field(default_factory=dict)
    employers: dict[str, set[str]] = field(default_factory=dict)  # user -> businesses with a grant
    relationships: dict[str, dict[str, list[IndexedRelationship]]] = field(default_factory=dict)  # client, provider
    relationship_by_id: dict[str, IndexedRelationship] = field(default_factory=dict)
    relationships_of_provider: dict[str, set[str]] = field(default_factory=dict)  # provider -> relationship ids
    assignments: dict[str, dict[str, IndexedAssignment]] = field(default_factory=dict)  # relationship -> user
    group_of_member: dict[tuple[str, str], str] = field(default_factory=dict)  # (provider, client) -> group
    group_clients: dict[str, set[str]] = field(default_factory=dict)
    group_provider: dict[str, str] = field(default_factory=dict)
    groups_of_provider: dict[str, set[str]] = field(default_factory=dict)
    group_users: dict[str, dict[str, str]] = field(default_factory=dict)  # group -> user -> role
    overrides: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict)  # group -> (user, client) -> role
    businesses: set[str] = field(default_factory=set)

    # --- the decision -------------------------------------------------------------------------------------------

    def decide(self, user_id: str, business: str, program_account: str | None, today: date) -> Decision:
        """What :func:`delegation.decisions.service.decide` answers, from memory."""
        own = self.grants.get((user_id, business))
        if own is not None:
            return own.decide(program_account)
        employers = self.employers.get(user_id)
        if employers:
            by_provider = self.relationships.get(business)
            if by_provider:
                providers = (
                    [p for p in employers if p in by_provider]
                    if len(employers) <= len(by_provider)
                    else [p for p in by_provider if p in employers]
                )
                if providers:
                    decision = self._proxy(user_id, business, sorted(providers), by_provider, program_account, today)
                    if decision is not None:
                        return decision
        return NOT_ASSOCIATED if business in self.businesses else NOT_REGISTERED

    def _proxy(
        self,
        user_id: str,
        client_bn: str,
        providers: list[str],
        by_provider: dict[str, list[IndexedRelationship]],
        program_account: str | None,
        today: date,
    ) -> Decision | None:
        paths = []
        group_roles: dict[str, str] = {}
        for provider_bn in providers:
            grant = self.grants[(user_id, provider_bn)].grant
            for rel in by_provider[provider_bn]:
                assigned = self.assignments.get(rel.terms.id)
                paths.append((grant, rel.terms_on(today), None if assigned is None else assigned.get(user_id)))
            if grant.role is not Role.BAM:
                role = self._group_role(user_id, provider_bn, client_bn)
                if role is not None:
                    group_roles[provider_bn] = role
        return proxy_decision(accesses_to_client(with_group_roles(paths, group_roles)), program_account)

    def _group_role(self, user_id: str, provider_bn: str, client_bn: str) -> str | None:
        group_id = self.group_of_member.get((provider_bn, client_bn))
        if group_id is None:
            return None
        role = self.group_users.get(group_id, {}).get(user_id)
        if role is None:
            return None
        return self.overrides.get(group_id, {}).get((user_id, client_bn)) or role

    def clients_of(self, user_id: str) -> set[str]:
        """Every client of every business the user works for, whatever the relationship's state (the candidates
        of the user's contexts: :meth:`decide` says which of them it can act on)."""
        return {
            self.relationship_by_id[relationship_id].terms.client_bn
            for provider_bn in self.employers.get(user_id, ())
            for relationship_id in self.relationships_of_provider.get(provider_bn, ())
        }

    # --- changes (the loader calls these with rows read from the database) --------------------------------------

    def put_grant(self, grant: Grant) -> None:
        self.grants[(grant.user_id, grant.bn)] = IndexedGrant.of(grant)
        self.employers.setdefault(grant.user_id, set()).add(grant.bn)

    def drop_grant(self, user_id: str, bn: str) -> None:
        self.grants.pop((user_id, bn), None)
        employers = self.employers.get(user_id)
        if employers is not None:
            employers.discard(bn)
            if not employers:
                del self.employers[user_id]

    def set_pair(self, provider_bn: str, client_bn: str, rows: Iterable[IndexedRelationship]) -> None:
        """Replace the relationships between a provider and a client (their assignments go with the old ones)."""
        by_provider = self.relationships.get(client_bn, {})
        for old in by_provider.pop(provider_bn, []):
            self.relationship_by_id.pop(old.terms.id, None)
            self.assignments.pop(old.terms.id, None)
            self.relationships_of_provider.get(provider_bn, set()).discard(old.terms.id)
        if not by_provider:
            self.relationships.pop(client_bn, None)
        ordered = sorted(rows, key=lambda r: r.seq)
        if ordered:
            self.relationships.setdefault(client_bn, {})[provider_bn] = ordered
        for rel in ordered:
            self.relationship_by_id[rel.terms.id] = rel
            self.relationships_of_provider.setdefault(provider_bn, set()).add(rel.terms.id)

    def put_assignment(self, relationship_id: str, user_id: str, assigned: IndexedAssignment | None) -> None:
        if assigned is not None:
            self.assignments.setdefault(relationship_id, {})[user_id] = assigned
            return
        users = self.assignments.get(relationship_id)
        if users is not None:
            users.pop(user_id, None)
            if not users:
                del self.assignments[relationship_id]

    def drop_group(self, group_id: str) -> None:
        provider_bn = self.group_provider.pop(group_id, None)
        for client_bn in self.group_clients.pop(group_id, set()):
            if provider_bn is not None and self.group_of_member.get((provider_bn, client_bn)) == group_id:
                del self.group_of_member[(provider_bn, client_bn)]
        if provider_bn is not None:
            self.groups_of_provider.get(provider_bn, set()).discard(group_id)
        self.group_users.pop(group_id, None)
        self.overrides.pop(group_id, None)

    def put_group(self, group_id: str, provider_bn: str) -> None:
        self.group_provider[group_id] = provider_bn
        self.groups_of_provider.setdefault(provider_bn, set()).add(group_id)

    def add_member(self, group_id: str, provider_bn: str, client_bn: str) -> None:
        self.group_provider.setdefault(group_id, provider_bn)
        self.groups_of_provider.setdefault(provider_bn, set()).add(group_id)
        self.group_clients.setdefault(group_id, set()).add(client_bn)
        self.group_of_member[(provider_bn, client_bn)] = group_id

    def drop_member(self, provider_bn: str, client_bn: str) -> None:
        """The client leaves the provider's group (and its overrides there)."""
        group_id = self.group_of_member.pop((provider_bn, client_bn), None)
        if group_id is None:
            return
        self.group_clients.get(group_id, set()).discard(client_bn)
        overrides = self.overrides.get(group_id)
        if overrides:
            for key in [k for k in overrides if k[1] == client_bn]:
                del overrides[key]

    def put_group_user(self, group_id: str, user_id: str, role: str) -> None:
        self.group_users.setdefault(group_id, {})[user_id] = role

    def put_override(self, group_id: str, user_id: str, client_bn: str, role: str) -> None:
        self.overrides.setdefault(group_id, {})[(user_id, client_bn)] = role

    def drop_user_at_provider(self, user_id: str, provider_bn: str) -> None:
        """The user's grant at the provider, its assignments to the provider's clients and its group assignments
        and overrides in the provider's groups."""
        self.drop_grant(user_id, provider_bn)
        for relationship_id in self.relationships_of_provider.get(provider_bn, ()):
            self.put_assignment(relationship_id, user_id, None)
        for group_id in self.groups_of_provider.get(provider_bn, ()):
            users = self.group_users.get(group_id)
            if users is not None:
                users.pop(user_id, None)
            overrides = self.overrides.get(group_id)
            if overrides:
                for key in [k for k in overrides if k[0] == user_id]:
                    del overrides[key]

    def stats(self) -> dict[str, int]:
        return {
            "grants": len(self.grants),
            "relationships": len(self.relationship_by_id),
            "assignments": sum(len(users) for users in self.assignments.values()),
            "group_members": len(self.group_of_member),
            "group_assignments": sum(len(users) for users in self.group_users.values()),
            "overrides": sum(len(o) for o in self.overrides.values()),
            "businesses": len(self.businesses),
        }
