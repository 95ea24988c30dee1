"""Authorization decisions: delegation says what a user may do on a business; the gateway enforces it.

The client sits behind :class:`DecisionSource`; :mod:`portal_gateway.decision_cache` wraps it with a cache that
delegation's change events invalidate (and that is bypassed whenever that event feed is not current).
"""

from __future__ import annotations

from typing import Protocol

import httpx
from pydantic import ValidationError

from portal_contracts.internal import Decision, DecisionRequest
from portal_gateway.errors import MissingScope, NotAssociated, UpstreamUnavailable
from portal_runtime.internal import internal_headers

DECISIONS_PATH = "/internal/decisions"
NOT_ASSOCIATED = "You are not associated with this business."
# A refusal's detail is delegation's reason as it gives it (a code: decisions.service.Reason); in French, what the
# known ones mean (any other is said as it is).
REASONS_FR = {
    NOT_ASSOCIATED: "Vous n'êtes pas associé à cette entreprise.",
    "not_associated": "Vous n'êtes pas associé à cette entreprise.",
    "business_not_registered": "Cette entreprise n'est pas inscrite.",
    "program_not_granted": "Votre accès à cette entreprise ne couvre pas ce compte de programme.",
    "program_not_in_relationship": "La relation d'affaires ne couvre pas ce compte de programme.",
}


class DecisionSource(Protocol):
    async def decide(self, request: DecisionRequest) -> Decision: ...


class DecisionClient:
    """Asks delegation's internal decision endpoint; any failure is a 503 naming delegation.

    Sent on the upstream transport itself, as the proxy sends (see :class:`portal_gateway.proxy.Proxy`): without
    a decision cache, or while its feed is not current, every business request asks, and the client's
    request-level machinery (header merging, cookie jar, redirect and auth flows) cost as much as the call.
    """

    def __init__(
        self,
        base_url: str,
        transport: httpx.AsyncBaseTransport,
        *,
        timeout_s: float = 3.0,
        internal_api_key: str = "",
    ) -> None:
        self._url = httpx.URL(base_url.rstrip("/") + DECISIONS_PATH)
        self._transport = transport
        self._timeout = httpx.Timeout(timeout_s).as_dict()
        self._headers = [
            (b"content-type", b"application/json"),
            *((name.encode(), value.encode()) for name, value in internal_headers(internal_api_key).items()),
        ]

    async def decide(self, request: DecisionRequest) -> Decision:
        question = httpx.Request(
            "POST",
            self._url,
            headers=self._headers,
            content=request.model_dump_json().encode(),
            extensions={"timeout": self._timeout},
        )
        try:
            response = await self._transport.handle_async_request(question)
            try:
                content = await response.aread()
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            raise _unavailable("did not answer in time", "n'a pas répondu à temps") from exc
        except httpx.HTTPError as exc:
            raise _unavailable("cannot be reached", "est injoignable") from exc
        if response.status_code != 200:
            raise _unavailable(f"answered {response.status_code}", f"a répondu {response.status_code}")
        try:
            return Decision.model_validate_json(content)
        except ValidationError as exc:
            raise _unavailable("answered with a malformed decision", "a répondu par une décision mal formée") from exc


def _unavailable(what: str, what_fr: str) -> UpstreamUnavailable:
    # Without a decision the gateway cannot know the caller's rights, so it refuses rather than guesses.
    return UpstreamUnavailable(
        f"The authorization service (delegation) {what}; access cannot be decided. Retry shortly.",
        fr=f"Le service d'autorisation (delegation) {what_fr}; l'accès ne peut pas être décidé. Réessayez sous peu.",
        component="delegation",
    )


def effective_scopes(decision: Decision, token_scopes: frozenset[str]) -> list[str]:
    """What the role allows and the application was granted: the intersection, sorted for stable tokens."""
    return sorted(set(decision.scopes) & token_scopes)


def enforce(
    decision: Decision, scope: str, token_scopes: frozenset[str], program_account: str | None = None
) -> list[str]:
    """The effective scopes when they include ``scope``; otherwise a 403 problem saying why."""
    if not decision.allow:
        reason = decision.reason or NOT_ASSOCIATED
        raise NotAssociated(reason, fr=REASONS_FR.get(reason, reason))
    if program_account is not None and decision.program_accounts is not None:
        if program_account not in decision.program_accounts:
            raise NotAssociated(
                f"Your access to this business does not cover program account {program_account}.",
                fr=f"Votre accès à cette entreprise ne couvre pas le compte de programme {program_account}.",
            )
    effective = effective_scopes(decision, token_scopes)
    if scope in effective:
        return effective
    if scope in decision.scopes:
        raise token_lacks(scope)
    role = f" ({decision.role})" if decision.role else ""
    raise MissingScope(
        f"This operation needs the scope {scope}, which your role{role} on this business does not give.",
        fr=f"Cette opération exige la portée {scope}, que votre rôle{role} sur cette entreprise ne donne pas.",
        remediation="Ask an account manager of the business for a role that includes it.",
        remediation_fr="Demandez à un gestionnaire de compte de l'entreprise un rôle qui l'inclut.",
    )


def token_lacks(scope: str) -> MissingScope:
    """The 403 when the user could, but the access token was not granted the scope."""
    # RFC 6750 section 3.1: the challenge tells the client to ask the user for a token with more scope.
    return MissingScope(
        f"This operation needs the scope {scope}, which the access token was not granted.",
        fr=f"Cette opération exige la portée {scope}, qui n'a pas été accordée au jeton d'accès.",
        remediation=f"Request an access token that includes the scope {scope}.",
        remediation_fr=f"Demandez un jeton d'accès qui inclut la portée {scope}.",
        headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
    )
