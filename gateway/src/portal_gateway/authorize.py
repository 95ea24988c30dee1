"""From a matched route and a bearer token to the internal context the service receives (or a 401/403)."""

from __future__ import annotations

import re

from portal_gateway.auth import Principal, TokenVerifier, bearer_token
from portal_gateway.decisions import DecisionRequest, DecisionSource, enforce, token_lacks
from portal_gateway.routes import RouteMatch
from portal_runtime.access import Acting
from portal_runtime.context import InternalContext
from portal_runtime.problems import NotFound, Unprocessable

BN9 = re.compile(r"[0-9]{9}")
BN15 = re.compile(r"[0-9]{9}RM[0-9]{4}")


class Authorizer:
    def __init__(self, verifier: TokenVerifier, decisions: DecisionSource) -> None:
        self._verifier = verifier
        self._decisions = decisions

    async def context_for(
        self, match: RouteMatch, authorization: str | None, request_id: str
    ) -> InternalContext | None:
        """None for public operations: they ignore any token, so a stale one never blocks a login."""
        acting = match.operation.acting
        if acting is Acting.PUBLIC:
            return None
        principal = await self._verifier.verify(bearer_token(authorization))
        if acting is Acting.SELF:
            return self._self_context(match, principal, request_id)
        return await self._business_context(match, principal, request_id)

    @staticmethod
    def _self_context(match: RouteMatch, principal: Principal, request_id: str) -> InternalContext:
        scope = match.operation.scope
        if scope and scope not in principal.scopes:
            raise token_lacks(scope)
        return InternalContext(
            subject=principal.subject,
            subject_type=principal.subject_type,
            scopes=sorted(principal.scopes),
            request_id=request_id,
            mfa=principal.mfa,
        )

    async def _business_context(self, match: RouteMatch, principal: Principal, request_id: str) -> InternalContext:
        business, program_account, scope = match.business, match.program_account, match.operation.scope
        assert business is not None and scope is not None  # the route table refuses operations without them
        if not BN9.fullmatch(business) or (program_account is not None and not BN15.fullmatch(program_account)):
            raise Unprocessable(
                "A business number is 9 digits (BN9) and a program account number is the BN9, RM and 4 digits "
                "(BN15, e.g. 123456789RM0001).",
                code="invalid_business_number",
            )
        if program_account is not None and not program_account.startswith(business):
            raise NotFound(f"Program account {program_account} does not belong to business {business}.")
        decision = await self._decisions.decide(
            DecisionRequest(user_id=principal.subject, business=business, program_account=program_account, scope=scope)
        )
        scopes = enforce(decision, scope, principal.scopes, program_account)
        return InternalContext(
            subject=principal.subject,
            subject_type=principal.subject_type,
            business=business,
            program_accounts=decision.program_accounts,
            scopes=scopes,
            via_provider=decision.via_provider,
            visibility=decision.visibility,
            role=decision.role,
            request_id=request_id,
            mfa=principal.mfa,
        )
