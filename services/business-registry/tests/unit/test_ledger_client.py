"""The registry's client of the ledger: the sandbox's example answers are asked for concurrently, and a failure
leaves no call behind."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from business_registry.errors import LedgerUnavailable
from business_registry.ledger_client import LedgerClient

ACCOUNTS = ["123456782RM0001", "123456782RM0002", "123456782RM0003"]


def examples(bn15: str) -> httpx.Response:
    return httpx.Response(200, json={"program_account": bn15})


async def test_the_examples_of_every_account_are_keyed_by_account() -> None:
    async def ledger(request: httpx.Request) -> httpx.Response:
        bn15 = request.url.path.rsplit("/", 1)[1]
        await asyncio.sleep(0.01 * (3 - ACCOUNTS.index(bn15)))  # answered in the reverse order
        return examples(bn15)

    client = LedgerClient("http://ledger", timeout_s=5, transport=httpx.MockTransport(ledger))

    answers = await client.proof_examples(ACCOUNTS)

    assert list(answers) == ACCOUNTS
    assert [answer.program_account for answer in answers.values()] == ACCOUNTS


async def test_a_failed_call_is_the_ledgers_503_and_the_other_calls_are_stopped() -> None:
    started: list[str] = []
    stopped: list[str] = []

    async def ledger(request: httpx.Request) -> httpx.Response:
        bn15 = request.url.path.rsplit("/", 1)[1]
        started.append(bn15)
        if bn15 == ACCOUNTS[0]:
            await asyncio.sleep(0.01)
            return httpx.Response(500)
        try:
            await asyncio.sleep(30)
        finally:
            stopped.append(bn15)
        return examples(bn15)

    client = LedgerClient("http://ledger", timeout_s=60, transport=httpx.MockTransport(ledger))

    with pytest.raises(LedgerUnavailable) as failure:
        await asyncio.wait_for(client.proof_examples(ACCOUNTS), 5)

    assert "answered 500" in failure.value.detail
    assert sorted(started) == sorted(ACCOUNTS)
    # Stopped before proof_examples returned: nothing of the request still runs once it has its answer.
    assert sorted(stopped) == sorted(ACCOUNTS[1:])
