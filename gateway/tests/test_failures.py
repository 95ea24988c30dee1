"""When a service or delegation fails: a prompt problem naming the component, never a hang or a stack trace."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

from portal_runtime.testing.infra import free_port

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack, StackFactory

BN = "123456789"
LOOKUP = "/v1/businesses/lookup"  # a public ledger route: no token, no decision, only the upstream call


SERVICES = {
    "identity": "http://identity.test",
    "ledger": "http://ledger.test",
    "delegation": "http://delegation.test",
}


async def test_a_service_that_is_down_is_a_prompt_503_naming_it(make_stack: StackFactory) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with make_stack(services=SERVICES | {"ledger": closed}) as stack:
        started = time.monotonic()
        response = await stack.client.get(LOOKUP, headers={"X-Request-ID": "down-service-1"})
        elapsed = time.monotonic() - started

    body = stack.problem(response)
    assert response.status_code == 503
    assert (body["code"], body["component"]) == ("service_unavailable", "ledger")
    assert "ledger" in body["detail"]
    assert body["request_id"] == "down-service-1"
    assert elapsed < 2.0


async def test_a_service_that_does_not_answer_is_a_504_after_the_read_timeout(
    make_stack: StackFactory, silent_server: str
) -> None:
    services = SERVICES | {"ledger": silent_server}
    async with make_stack(services=services, read_timeout_s=0.3) as stack:
        started = time.monotonic()
        response = await stack.client.get(LOOKUP)
        elapsed = time.monotonic() - started

    body = stack.problem(response)
    assert response.status_code == 504
    assert (body["code"], body["component"]) == ("upstream_timeout", "ledger")
    assert "ledger" in body["detail"]
    assert 0.3 <= elapsed < 2.0


async def test_a_service_answering_garbage_is_a_502_naming_it(make_stack: StackFactory, garbage_server: str) -> None:
    async with make_stack(services=SERVICES | {"ledger": garbage_server}) as stack:
        response = await stack.client.get(LOOKUP)

    body = stack.problem(response)
    assert (response.status_code, body["code"], body["component"]) == (502, "bad_gateway", "ledger")


async def test_a_body_that_breaks_off_before_its_length_is_a_502_naming_the_service(
    make_stack: StackFactory, short_body_server: str
) -> None:
    # A small body is read whole before the gateway answers: its failure can still be told as a problem.
    async with make_stack(services=SERVICES | {"ledger": short_body_server}) as stack:
        response = await stack.client.get(LOOKUP)

    body = stack.problem(response)
    assert (response.status_code, body["code"], body["component"]) == (502, "bad_gateway", "ledger")


async def test_when_delegation_is_down_business_routes_are_503_naming_delegation(make_stack: StackFactory) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with make_stack(services=SERVICES | {"delegation": closed}) as stack:
        started = time.monotonic()
        response = await stack.client.get(
            f"/v1/businesses/{BN}/balance", headers=stack.bearer(scopes=["financial:read"])
        )
        elapsed = time.monotonic() - started

        body = stack.problem(response)
        assert response.status_code == 503
        assert (body["code"], body["component"]) == ("service_unavailable", "delegation")
        assert "delegation" in body["detail"]
        assert stack.ledger.state.seen == []  # refused, not guessed
        assert elapsed < 2.0


async def test_a_failing_decision_is_a_503_not_an_access(stack: Stack) -> None:
    stack.grants.grant(stack.user, BN, ["financial:read"])
    stack.grants.failing_with = 500

    response = await stack.client.get(f"/v1/businesses/{BN}/balance", headers=stack.bearer(scopes=["financial:read"]))

    body = stack.problem(response)
    assert (response.status_code, body["component"]) == (503, "delegation")
    assert "answered 500" in body["detail"]
    assert stack.ledger.state.seen == []


async def test_a_problem_the_service_answers_is_passed_through_untouched(stack: Stack) -> None:
    response = await stack.client.get("/v1/tariff/items/0000000000")

    body = stack.problem(response)
    assert (response.status_code, body["code"]) == (404, "tariff_item_not_found")
    assert "component" not in body


async def test_a_stray_cancellation_is_a_500_problem_with_the_request_id(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def cancelled_elsewhere(*_: object) -> None:
        # A task the forwarding awaits, cancelled by something else: CancelledError in a request nobody cancelled.
        elsewhere = asyncio.create_task(asyncio.sleep(60))
        elsewhere.cancel()
        await elsewhere

    monkeypatch.setattr(stack.transport, "send", cancelled_elsewhere)
    response = await stack.client.get(LOOKUP, headers={"X-Request-ID": "stray-cancel-1"})

    body = stack.problem(response)
    assert (response.status_code, body["code"], body["request_id"]) == (500, "internal_error", "stray-cancel-1")
    assert response.headers["x-request-id"] == "stray-cancel-1"


async def test_a_cancelled_request_stays_cancelled(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    reached = asyncio.Event()

    async def hung(*_: object) -> None:
        reached.set()
        await asyncio.sleep(60)

    monkeypatch.setattr(stack.transport, "send", hung)
    request = asyncio.create_task(stack.client.get(LOOKUP))
    await reached.wait()
    request.cancel()  # as uvicorn does at the end of its shutdown grace

    with pytest.raises(asyncio.CancelledError):
        await request
