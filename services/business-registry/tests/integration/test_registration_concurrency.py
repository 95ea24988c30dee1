"""Registration under concurrency, on PostgreSQL: one business, one winner; attempt limits hold under load."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from business_registry.businesses.models import ProgramAccount
from business_registry.ledger_client import Ledger
from business_registry.main import create_app
from business_registry.registrations.models import RegistrationAttempt
from portal_contracts.internal import ProofCheckRequest, ProofCheckResponse, ProofExamples
from portal_runtime.bus import InMemoryBus
from portal_runtime.testing.apps import running

AsContext = Callable[..., dict[str, str]]  # the as_context fixture

pytestmark = pytest.mark.integration


class Together:
    """The real ledger client, but no proof check is answered before ``parties`` requests asked for one: every
    request has passed the "already registered" check before any of them writes."""

    def __init__(self, ledger: Ledger, parties: int) -> None:
        self._ledger = ledger
        self._barrier = asyncio.Barrier(parties)

    async def check_proofs(self, request: ProofCheckRequest) -> ProofCheckResponse:
        async with asyncio.timeout(10):
            await self._barrier.wait()
        return await self._ledger.check_proofs(request)

    async def proof_examples(self, program_accounts: list[str]) -> dict[str, ProofExamples]:
        return await self._ledger.proof_examples(program_accounts)


def registry_on(
    pg_url: str, registry_settings: Any, ledger_app: FastAPI, clock: Any, bus: InMemoryBus, **settings: Any
) -> FastAPI:
    return create_app(
        registry_settings(database_url=pg_url, **settings),
        publisher=bus,
        clock=clock,
        ledger_transport=httpx.ASGITransport(app=ledger_app),
    )


async def test_two_concurrent_registrations_of_one_business_exactly_one_wins(
    pg_url: str,
    registry_settings: Any,
    ledger_app: FastAPI,
    clock: Any,
    registration: Callable[..., dict[str, Any]],
    as_context: AsContext,
) -> None:
    bus = InMemoryBus()
    app = registry_on(pg_url, registry_settings, ledger_app, clock, bus)
    async with running(app) as (_, client):
        app.state.ledger = Together(app.state.ledger, parties=2)

        responses = await asyncio.gather(
            *(
                client.post("/v1/business-registrations", json=registration(), headers=as_context(subject=user))
                for user in ("user-a", "user-b")
            )
        )

        assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["code"] == "business_already_registered"
        winner = "user-a" if responses[0].status_code == 201 else "user-b"

        await app.state.runtime.relay.publish_pending()
        assert [e.data["registrant_user_id"] for e in bus.published] == [winner]
        async with app.state.runtime.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(ProgramAccount)) == 2
            outcomes = sorted((await session.scalars(select(RegistrationAttempt.outcome))).all())
            assert outcomes == ["abandoned", "succeeded"]  # the lost race does not count against anyone


async def test_concurrent_wrong_answers_cannot_exceed_the_attempt_limit(
    pg_url: str,
    registry_settings: Any,
    ledger_app: FastAPI,
    clock: Any,
    registration: Callable[..., dict[str, Any]],
    as_context: AsContext,
) -> None:
    wrong = registration(
        proofs=[
            {"kind": "statement_balance", "period": "07/2022", "amount": "1.00"},
            {"kind": "payment", "period": "09/2022", "amount": "1.00"},
        ]
    )
    app = registry_on(pg_url, registry_settings, ledger_app, clock, InMemoryBus(), registration_max_failed_attempts=2)
    async with running(app) as (_, client):
        responses = await asyncio.gather(
            *(
                client.post("/v1/business-registrations", json=wrong, headers=as_context(subject=f"user-{n}"))
                for n in range(6)
            )
        )

    codes = sorted(r.json()["code"] for r in responses)
    assert codes == ["proof_of_knowledge_failed"] * 2 + ["too_many_attempts"] * 4
