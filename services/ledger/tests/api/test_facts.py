"""Ledger facts: the sandbox data set at startup, and the CBSA feed (upsert by natural key)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy import func, select

from ledger.config import Settings
from ledger.facts.models import AcceptedTransaction, PaymentApplied, StatementOfAccount
from ledger.main import create_app
from portal_contracts.sandbox import ledger_facts
from portal_runtime.testing.apps import running

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


async def counts(app: FastAPI) -> tuple[int, int, int]:
    async with app.state.runtime.sessions() as session:
        return (
            await session.scalar(select(func.count()).select_from(StatementOfAccount)),
            await session.scalar(select(func.count()).select_from(PaymentApplied)),
            await session.scalar(select(func.count()).select_from(AcceptedTransaction)),
        )


def expected_counts() -> tuple[int, int, int]:
    facts = ledger_facts(NOW.date())
    return (
        sum(len(f.statements) for f in facts),
        sum(len(f.payments) for f in facts),
        sum(len(f.transactions) for f in facts),
    )


async def test_the_sandbox_loads_its_facts_once_however_often_it_starts(
    ledger_settings: Callable[..., Settings],
) -> None:
    for _ in range(2):
        async with running(create_app(ledger_settings(), clock=lambda: NOW)) as (app, _client):
            assert await counts(app) == expected_counts()


async def test_development_loads_the_sandbox_only_into_an_empty_database(
    ledger_settings: Callable[..., Settings],
) -> None:
    settings = ledger_settings(environment="development", sandbox=False)
    async with running(create_app(settings, clock=lambda: NOW)) as (app, client):
        assert await counts(app) == expected_counts()
        fed = {
            "program_account": "123456154RM0001",
            "statements": [{"period": "2022-07", "closing_balance": {"amount": "1.00", "currency": "CAD"}}],
        }
        assert (await client.post("/internal/ledger-facts", json=[fed])).status_code == 200
    async with running(create_app(settings, clock=lambda: NOW)) as (app, client):
        results = await client.post(
            "/internal/proof-checks",
            json={
                "program_account": "123456154RM0001",
                "proofs": [{"kind": "statement_balance", "period": "07/2022", "amount": "1.00"}],
            },
        )
        assert results.json()["results"][0]["reason"] == "matched"  # the fed fact was not overwritten


async def test_test_environments_without_sandbox_start_empty(ledger_settings: Callable[..., Settings]) -> None:
    async with running(create_app(ledger_settings(sandbox=False), clock=lambda: NOW)) as (app, _client):
        assert await counts(app) == (0, 0, 0)


async def test_the_feed_upserts_by_natural_key(ledger_settings: Callable[..., Settings]) -> None:
    def feed(balance: str, total: str) -> list[dict[str, object]]:
        return [
            {
                "program_account": "305798613RM0001",
                "statements": [{"period": "2024-05", "closing_balance": {"amount": balance, "currency": "CAD"}}],
                "payments": [
                    {"reference": "P-1", "applied_on": "2024-05-02", "amount": {"amount": "1.00", "currency": "CAD"}}
                ],
                "transactions": [
                    {
                        "transaction_number": "77777724050001",
                        "accepted_on": "2024-05-03",
                        "total_duties_and_taxes": {"amount": total, "currency": "CAD"},
                    }
                ],
            }
        ]

    async with running(create_app(ledger_settings(sandbox=False), clock=lambda: NOW)) as (app, client):
        first = await client.post("/internal/ledger-facts", json=feed("10.00", "20.00"))
        assert first.status_code == 200
        assert first.json() == {"program_accounts": 1, "statements": 1, "payments": 1, "transactions": 1}
        assert (await client.post("/internal/ledger-facts", json=feed("11.00", "21.50"))).status_code == 200
        assert await counts(app) == (1, 1, 1)
        async with app.state.runtime.sessions() as session:
            assert await session.scalar(select(StatementOfAccount.closing_balance_cents)) == 1100
            assert await session.scalar(select(AcceptedTransaction.total_cents)) == 2150


async def test_the_feed_refuses_inexact_amounts(ledger_settings: Callable[..., Settings]) -> None:
    async with running(create_app(ledger_settings(sandbox=False), clock=lambda: NOW)) as (app, client):
        response = await client.post(
            "/internal/ledger-facts",
            json=[
                {
                    "program_account": "305798613RM0001",
                    "statements": [{"period": "2024-05", "closing_balance": {"amount": 10.1, "currency": "CAD"}}],
                }
            ],
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "0.statements.0.closing_balance.amount"
        assert await counts(app) == (0, 0, 0)


async def test_the_feed_refuses_a_statement_of_year_zero(ledger_settings: Callable[..., Settings]) -> None:
    # "0000-01" matched the period's pattern and was a 500 when turned into a date (found by the fuzzing).
    async with running(create_app(ledger_settings(sandbox=False), clock=lambda: NOW)) as (app, client):
        response = await client.post(
            "/internal/ledger-facts",
            json=[
                {
                    "program_account": "305798613RM0001",
                    "statements": [{"period": "0000-01", "closing_balance": {"amount": "10.10", "currency": "CAD"}}],
                }
            ],
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "0.statements.0.period"
        assert await counts(app) == (0, 0, 0)
