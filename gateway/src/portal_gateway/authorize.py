"""From a matched route and a bearer token to the internal context the service receives (or a 401/403)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from portal_gateway.auth import Principal, TokenVerifier, bearer_token
from portal_gateway.decisions import DecisionRequest, DecisionSource, enforce, token_lacks
from portal_gateway.revocation import RevocationGuard
from portal_gateway.routes import RouteMatch
from portal_runtime.access import Acting
from portal_runtime.context import InternalContext
from portal_runtime.problems import Forbidden, NotFound, Unprocessable

Admit = Callable[[Principal | None], Awaitable[None]]
BN9 = re.compile(r"[0-9]{9}")
BN15 = re.compile(r"[0-9]{9}RM[0-9]{4}")


class NotForBusiness(Forbidden):
    """The token is restricted to another business (an API client's, or an exchanged token's)."""

    code, title = "token_not_for_business", "The access token is for another business"
    title_fr = "Le jeton d'accès vise une autre entreprise"


class NotForProgramAccount(Forbidden):
    code, title = "program_account_not_in_token", "The access token does not cover this program account"
    title_fr = "Le jeton d'accès ne couvre pas ce compte de programme"


class Authorizer:
    def __init__(
        self, verifier: TokenVerifier, decisions: DecisionSource, revocation: RevocationGuard | None = None
    ) -> None:
        self._verifier = verifier
        self._decisions = decisions
        self._revocation = revocation

    async def context_for(
        self, match: RouteMatch, authorization: str | None, admit: Admit | None = None
    ) -> InternalContext | None:
        """None for public operations: they ignore any token, so a stale one never blocks a login.

        The context names no request (the request id travels in ``X-Request-ID``): the same caller acting the same
        way gets the same context, so its signed token is reused and services recognise it without verifying it
        again (:class:`portal_runtime.context.ContextSigner`, ``ContextVerifier``).

        ``admit`` sees the verified caller (None on public operations) before any decision is asked for, and may
        refuse the request by raising (the rate limits)."""
        acting = match.operation.acting
        if acting is Acting.PUBLIC:
            if admit is not None:
                await admit(None)
            return None
        principal = await self._verifier.verify(bearer_token(authorization))
        if self._revocation is not None:
            await self._revocation.check(principal)
        if admit is not None:
            await admit(principal)
        if acting is Acting.SELF:
            return self._self_context(match, principal)
        return await self._business_context(match, principal)

    @staticmethod
    def _self_context(match: RouteMatch, principal: Principal) -> InternalContext:
        scope = match.operation.scope
        if scope and scope not in principal.scopes:
            raise token_lacks(scope)
        return InternalContext(
            subject=principal.subject,
            subject_type=principal.subject_type,
            scopes=sorted(principal.scopes),
            mfa=principal.mfa,
            client_id=principal.client_id,
        )

    async def _business_context(self, match: RouteMatch, principal: Principal) -> InternalContext:
        business, program_account, scope = match.business, match.program_account, match.operation.scope
        assert business is not None and scope is not None  # the route table refuses operations without them
        if not BN9.fullmatch(business) or (program_account is not None and not BN15.fullmatch(program_account)):
            raise Unprocessable(
                "A business number is 9 digits (BN9) and a program account number is the BN9, RM and 4 digits "
                "(BN15, e.g. 123456789RM0001).",
                fr="Un numéro d'entreprise compte 9 chiffres (BN9) et un numéro de compte de programme est le BN9, "
                "suivi de RM et de 4 chiffres (BN15, p. ex. 123456789RM0001).",
                code="invalid_business_number",
            )
        if program_account is not None and not program_account.startswith(business):
            raise NotFound(
                f"Program account {program_account} does not belong to business {business}.",
                fr=f"Le compte de programme {program_account} n'appartient pas à l'entreprise {business}.",
            )
        _check_token_restrictions(principal, business, program_account)
        if principal.subject_type == "client":
            return _client_context(principal, business, scope)
        decision = await self._decisions.decide(
            DecisionRequest(user_id=principal.subject, business=business, program_account=program_account, scope=scope)
        )
        scopes = enforce(decision, scope, principal.scopes, program_account)
        return InternalContext(
            subject=principal.subject,
            subject_type=principal.subject_type,
            business=business,
            program_accounts=_narrowed(decision.program_accounts, principal.program_accounts),
            scopes=scopes,
            via_provider=decision.via_provider,
            visibility=decision.visibility,
            role=decision.role,
            mfa=principal.mfa,
            client_id=principal.client_id,
        )


def _check_token_restrictions(principal: Principal, business: str, program_account: str | None) -> None:
    """A token that names a business (API clients always do) acts on that business only; one that names program
    accounts (token exchange), on those only."""
    if principal.subject_type == "client" and principal.business is None:
        raise NotForBusiness(
            "This API client token names no business.",
            fr="Ce jeton de client d'API ne nomme aucune entreprise.",
            code="client_not_for_business",
        )
    if principal.business is not None and principal.business != business:
        client = principal.subject_type == "client"
        who, who_fr = ("API client", "client d'API") if client else ("access token", "jeton d'accès")
        code = "client_not_for_business" if client else None
        raise NotForBusiness(
            f"This {who} acts for business {principal.business} only.",
            fr=f"Ce {who_fr} agit uniquement pour l'entreprise {principal.business}.",
            code=code,
        )
    if program_account is not None and principal.program_accounts is not None:
        if program_account not in principal.program_accounts:
            raise NotForProgramAccount(
                f"The access token does not cover program account {program_account}.",
                fr=f"Le jeton d'accès ne couvre pas le compte de programme {program_account}.",
            )


def _client_context(principal: Principal, business: str, scope: str) -> InternalContext:
    """An API client acts as its own business: no user, so no delegation decision; its token's scopes (those an
    account manager gave it) are its rights, and it sees all of its business (no provider, no visibility filter)."""
    if scope not in principal.scopes:
        raise token_lacks(scope)
    return InternalContext(
        subject=principal.subject,
        subject_type=principal.subject_type,
        business=business,
        program_accounts=None,
        scopes=sorted(principal.scopes),
        mfa=principal.mfa,
        client_id=principal.client_id,
    )


def _narrowed(allowed: list[str] | None, token: frozenset[str] | None) -> list[str] | None:
    """The program accounts both the decision and the token allow (None: every one)."""
    if token is None:
        return allowed
    if allowed is None:
        return sorted(token)
    return sorted(set(allowed) & token)
