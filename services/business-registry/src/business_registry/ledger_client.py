"""Ledger's internal API, as the registry uses it: proof-of-knowledge checks and (sandbox) example answers.

A new HTTP client per use keeps nothing open between requests; registration is rare. Any failure to get an
answer is a 503 naming the ledger: the registry never guesses whether a proof holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Protocol, TypeVar

import httpx
from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from business_registry.errors import LedgerUnavailable
from portal_contracts.internal import ProofCheckRequest, ProofCheckResponse, ProofExamples
from portal_runtime.internal import new_internal_client

M = TypeVar("M", bound=BaseModel)

PROOF_CHECKS_PATH = "/internal/proof-checks"
PROOF_EXAMPLES_PATH = "/internal/proof-examples/{bn15}"


class Ledger(Protocol):
    async def check_proofs(self, request: ProofCheckRequest) -> ProofCheckResponse: ...

    async def proof_examples(self, program_accounts: Sequence[str]) -> dict[str, ProofExamples]: ...


class LedgerClient:
    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
        internal_api_key: str = "",
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._transport = transport
        self._key = internal_api_key

    @asynccontextmanager
    async def _http(self) -> AsyncIterator[httpx.AsyncClient]:
        client = new_internal_client(self._base_url, self._key, timeout_s=self._timeout_s, transport=self._transport)
        async with client as http:
            yield http

    async def check_proofs(self, request: ProofCheckRequest) -> ProofCheckResponse:
        async with self._http() as http:
            return await _call(http, "POST", PROOF_CHECKS_PATH, ProofCheckResponse, request.model_dump(mode="json"))

    async def proof_examples(self, program_accounts: Sequence[str]) -> dict[str, ProofExamples]:
        """One call per program account, concurrently. The first that fails cancels the others and is raised:
        no call goes on after the answer nor on the client closed under it (``asyncio.gather`` left them running,
        their failures never retrieved)."""
        async with self._http() as http:
            try:
                async with asyncio.TaskGroup() as calls:
                    answers = [
                        calls.create_task(_call(http, "GET", PROOF_EXAMPLES_PATH.format(bn15=pa), ProofExamples))
                        for pa in program_accounts
                    ]
            except* LedgerUnavailable as failed:
                raise failed.exceptions[0] from None
        return {pa: answer.result() for pa, answer in zip(program_accounts, answers, strict=True)}


async def _call(http: httpx.AsyncClient, method: str, path: str, model: type[M], body: object | None = None) -> M:
    try:
        response = await http.request(method, path, json=body)
    except httpx.TimeoutException as exc:
        raise _unavailable("did not answer in time", "n'a pas répondu à temps") from exc
    except httpx.HTTPError as exc:
        raise _unavailable("cannot be reached", "est injoignable") from exc
    if response.status_code != 200:
        raise _unavailable(f"answered {response.status_code}", f"a répondu {response.status_code}")
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise _unavailable("answered with a malformed response", "a répondu par une réponse mal formée") from exc


def _unavailable(what: str, what_fr: str) -> LedgerUnavailable:
    return LedgerUnavailable(
        f"The ledger {what}, so the answers about the account cannot be checked. Retry shortly.",
        fr=f"Le grand livre {what_fr}; les réponses sur le compte ne peuvent donc pas être vérifiées. "
        "Réessayez sous peu.",
        component="ledger",
    )


async def get_ledger(request: Request) -> Ledger:
    return request.app.state.ledger  # type: ignore[no-any-return]


CurrentLedger = Annotated[Ledger, Depends(get_ledger)]
