"""The sandbox data set and proof checks on PostgreSQL (the upserts are dialect-specific)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ledger.config import Settings
from ledger.facts.models import StatementOfAccount
from ledger.main import create_app
from portal_runtime.testing.apps import running

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.integration


async def test_facts_load_idempotently_and_answer_proof_checks(
    pg_url: str, ledger_settings: Callable[..., Settings]
) -> None:
    counts = []
    for _ in range(2):
        async with running(create_app(ledger_settings(database_url=pg_url), clock=lambda: NOW)) as (app, client):
            async with app.state.runtime.sessions() as session:
                counts.append(await session.scalar(select(func.count()).select_from(StatementOfAccount)))
            response = await client.post(
                "/internal/proof-checks",
                json={
                    "program_account": "123456154RM0001",
                    "proofs": [
                        {"kind": "statement_balance", "period": "07/2022", "amount": "54000.00"},
                        {"kind": "payment", "period": "09/2022", "amount": "3300.00"},
                        {"kind": "transaction_total", "transaction_number": "12155538442098", "amount": "54000.00"},
                    ],
                },
            )
            assert [r["reason"] for r in response.json()["results"]] == ["matched"] * 3
    assert counts[0] == counts[1] > 1000


async def test_a_feed_repeating_a_key_keeps_the_last(pg_url: str, ledger_settings: Callable[..., Settings]) -> None:
    statement = {"period": "2024-05", "closing_balance": {"amount": "1.00", "currency": "CAD"}}
    later = {"period": "2024-05", "closing_balance": {"amount": "2.00", "currency": "CAD"}}
    settings = ledger_settings(database_url=pg_url, sandbox=False)
    async with running(create_app(settings, clock=lambda: NOW)) as (app, client):
        feed = [{"program_account": "305798613RM0001", "statements": [statement, later]}]
        assert (await client.post("/internal/ledger-facts", json=feed)).status_code == 200
        async with app.state.runtime.sessions() as session:
            assert await session.scalar(select(StatementOfAccount.closing_balance_cents)) == 200
