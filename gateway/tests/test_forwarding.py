"""What reaches the service: the verified context, the request as sent, and nothing the caller may not set."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

import pytest

from portal_gateway.decisions import DecisionRequest
from portal_gateway.proxy import BUFFERED_BODY_MAX_BYTES
from portal_runtime.context import ContextSigner, ContextVerifier, InternalContext, generate_signing_key
from portal_runtime.testing.apps import Served
from portal_runtime.testing.infra import free_port

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack

BN = "123456789"
BN15 = "123456789RM0001"
BALANCE = f"/v1/businesses/{BN}/balance"
ROLE_SCOPES = ["financial:read", "financial:write", "payments:read", "payments:write"]


async def test_the_same_caller_acting_the_same_way_sends_one_context_token(stack: Stack) -> None:
    # Signed once and reused (half its lifetime), so services recognise it without verifying it again.
    stack.grants.grant(stack.user, BN, ROLE_SCOPES, role="editor")
    headers = stack.bearer(scopes=["financial:read"])

    first = await stack.client.get(BALANCE, headers=headers | {"X-Request-ID": "req-first-0001"})
    second = await stack.client.get(BALANCE, headers=headers | {"X-Request-ID": "req-second-0002"})

    received = [stack.received_headers(r.json()) for r in (first, second)]
    assert received[0]["x-portal-context"] == received[1]["x-portal-context"]
    assert [r["x-request-id"] for r in received] == [["req-first-0001"], ["req-second-0002"]]


async def test_the_context_token_verifies_and_carries_business_and_effective_scopes(stack: Stack) -> None:
    stack.grants.grant(stack.user, BN, ROLE_SCOPES, role="editor", visibility=["client_submitted"])
    headers = stack.bearer(
        scopes=["financial:read", "payments:write", "rulings:read"], extra={"mfa": True, "client_id": "broker-app"}
    )

    response = await stack.client.get(BALANCE, headers=headers | {"X-Request-ID": "req-forward-0001"})

    assert response.status_code == 200, response.text
    echo = response.json()
    token = stack.received_headers(echo)["x-portal-context"][0]
    # Verified here too, with only the gateway's public key, as every service does.
    context = ContextVerifier(stack.context_key).verify(token)
    assert context == InternalContext.model_validate(echo["context"])
    assert context.subject == stack.user
    assert context.business == BN
    assert context.scopes == ["financial:read", "payments:write"]  # role-derived ∩ token; not rulings:read
    assert (context.role, context.visibility, context.program_accounts) == ("editor", ["client_submitted"], None)
    assert context.mfa is True
    assert context.client_id == "broker-app"  # the application the user's token was issued to
    # The request id travels in its header, not in the context: the same caller's contexts share one token.
    assert context.request_id == ""
    assert stack.received_headers(echo)["x-request-id"] == ["req-forward-0001"]
    assert stack.grants.asked == [
        DecisionRequest(user_id=stack.user, business=BN, program_account=None, scope="financial:read")
    ]


async def test_program_account_routes_ask_for_the_account_and_carry_the_allowed_ones(stack: Stack) -> None:
    stack.grants.grant(stack.user, BN, ["financial:read"], program_accounts=[BN15], via_provider="111111118")
    headers = stack.bearer(scopes=["financial:read"])

    allowed = await stack.client.get(f"/v1/businesses/{BN}/program-accounts/{BN15}/transactions", headers=headers)
    other = await stack.client.get(f"/v1/businesses/{BN}/program-accounts/{BN}RM0002/transactions", headers=headers)

    assert allowed.status_code == 200, allowed.text
    context = allowed.json()["context"]
    assert (context["program_accounts"], context["via_provider"]) == ([BN15], "111111118")
    assert stack.grants.asked[0].program_account == BN15
    assert other.status_code == 403
    assert stack.problem(other)["code"] == "not_associated"
    assert f"{BN}RM0002" in stack.problem(other)["detail"]


async def test_a_program_account_of_another_business_is_404_without_asking_delegation(stack: Stack) -> None:
    response = await stack.client.get(
        f"/v1/businesses/{BN}/program-accounts/987654321RM0001/transactions",
        headers=stack.bearer(scopes=["financial:read"]),
    )

    assert response.status_code == 404
    assert stack.grants.asked == []


async def test_a_malformed_business_number_is_422_without_asking_delegation(stack: Stack) -> None:
    for path in [
        "/v1/businesses/12345/program-accounts/12345RM0001/transactions",
        f"/v1/businesses/{BN}/program-accounts/{BN}XX0001/transactions",
    ]:
        response = await stack.client.get(path, headers=stack.bearer(scopes=["financial:read"]))

        assert response.status_code == 422, path
        assert response.json()["code"] == "invalid_business_number"
    assert stack.grants.asked == []


async def test_a_forged_incoming_context_header_is_dropped(stack: Stack) -> None:
    stack.grants.grant(stack.user, BN, ["financial:read"])
    # Even a well-formed token, signed by another key and claiming everything, never reaches the service.
    forged = ContextSigner(generate_signing_key("attacker")).sign(
        InternalContext(subject="admin", business=BN, scopes=["financial:write", "payments:write"])
    )

    response = await stack.client.get(
        BALANCE, headers=stack.bearer(scopes=["financial:read"]) | {"X-Portal-Context": forged}
    )
    public = await stack.client.get("/v1/businesses/lookup", headers={"X-Portal-Context": forged})

    contexts = stack.received_headers(response.json())["x-portal-context"]
    assert len(contexts) == 1 and contexts[0] != forged
    assert response.json()["context"]["subject"] == stack.user
    assert response.json()["context"]["scopes"] == ["financial:read"]
    assert "x-portal-context" not in stack.received_headers(public.json())


async def test_credentials_stay_at_the_edge_and_forwarding_headers_are_the_gateways(stack: Stack) -> None:
    stack.grants.grant(stack.user, BN, ["financial:read"])
    headers = stack.bearer(scopes=["financial:read"]) | {
        "Cookie": "session=secret",
        "X-Forwarded-For": "10.9.9.9",  # the caller's claim; unverifiable at the public edge
        "X-Custom": "kept",
        "Connection": "keep-alive, X-Hop",
        "X-Hop": "only for the first connection",
    }

    echo = (await stack.client.get(BALANCE, headers=headers)).json()

    received = stack.received_headers(echo)
    assert "authorization" not in received
    assert "cookie" not in received
    assert "x-hop" not in received
    assert received["x-forwarded-for"] == ["127.0.0.1"]  # the peer the gateway saw (the ASGI test client)
    assert received["x-forwarded-host"] == ["gateway.test"]
    assert received["x-custom"] == ["kept"]


async def test_the_request_id_is_echoed_and_forwarded(stack: Stack) -> None:
    given = await stack.client.get("/v1/businesses/lookup", headers={"X-Request-ID": "caller-chosen-42"})
    generated = await stack.client.get("/v1/businesses/lookup")

    assert given.headers["x-request-id"] == "caller-chosen-42"
    assert stack.received_headers(given.json())["x-request-id"] == ["caller-chosen-42"]
    new_id = generated.headers["x-request-id"]
    assert len(new_id) == 32
    assert stack.received_headers(generated.json())["x-request-id"] == [new_id]


async def test_method_path_query_body_and_the_answer_pass_through(stack: Stack) -> None:
    stack.grants.grant(stack.user, BN, ["payments:write"])
    payment = {"amount": {"amount": "54000.00", "currency": "CAD"}}

    response = await stack.client.post(
        f"/v1/businesses/{BN}/payments?dry_run=false&note=a%20b",
        headers=stack.bearer(scopes=["payments:write"]) | {"Idempotency-Key": "k-1"},
        json=payment,
    )

    assert response.status_code == 201
    assert response.headers["location"] == f"/v1/businesses/{BN}/payments/1"
    assert response.headers["x-ledger"] == "yes"
    assert "keep-alive" not in response.headers  # hop-by-hop, not passed back
    echo = response.json()
    assert (echo["method"], echo["path"]) == ("POST", f"/v1/businesses/{BN}/payments")
    assert echo["query"] == "dry_run=false&note=a%20b"
    assert json.loads(echo["body"]) == payment
    assert stack.received_headers(echo)["idempotency-key"] == ["k-1"]


async def test_a_missing_role_scope_is_403_naming_the_scope_and_the_role(stack: Stack) -> None:
    stack.grants.grant(stack.user, BN, ["payments:read"], role="viewer")

    response = await stack.client.get(BALANCE, headers=stack.bearer(scopes=["financial:read", "payments:read"]))

    body = stack.problem(response)
    assert response.status_code == 403
    assert body["code"] == "missing_scope"
    assert "financial:read" in body["detail"] and "viewer" in body["detail"]
    assert stack.ledger.state.seen == []


async def test_a_scope_the_token_was_not_granted_is_403_with_an_insufficient_scope_challenge(stack: Stack) -> None:
    stack.grants.grant(stack.user, BN, ["financial:read"])

    response = await stack.client.get(BALANCE, headers=stack.bearer(scopes=["rulings:read"]))

    body = stack.problem(response)
    assert (response.status_code, body["code"]) == (403, "missing_scope")
    assert "financial:read" in body["detail"] and "access token" in body["detail"]
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="financial:read"'


async def test_a_user_not_associated_is_403_with_delegations_reason(stack: Stack) -> None:
    response = await stack.client.get(BALANCE, headers=stack.bearer(scopes=["financial:read"]))

    body = stack.problem(response)
    assert (response.status_code, body["code"]) == (403, "not_associated")
    assert body["detail"] == "You are not associated with this business."
    assert stack.ledger.state.seen == []


async def test_a_public_route_passes_without_a_token_and_ignores_a_stale_one(stack: Stack) -> None:
    jwks = await stack.client.get("/v1/oauth/jwks")  # the real identity service
    lookup = await stack.client.get("/v1/businesses/lookup?bn=123456789", headers={"Authorization": "Bearer stale"})

    assert jwks.status_code == 200
    assert jwks.json()["keys"][0]["alg"] == "Ed25519"
    assert lookup.status_code == 200
    assert (lookup.json()["route"], lookup.json()["query"]) == ("lookup", "bn=123456789")
    assert stack.grants.asked == []


async def test_oauth_client_basic_credentials_reach_public_routes_but_bearer_tokens_never_do(stack: Stack) -> None:
    basic = (
        await stack.client.get("/v1/businesses/lookup", headers={"Authorization": "Basic Y2xpZW50OnNlY3JldA=="})
    ).json()
    bearer = (await stack.client.get("/v1/businesses/lookup", headers={"Authorization": "Bearer stale"})).json()

    assert stack.received_headers(basic)["authorization"] == ["Basic Y2xpZW50OnNlY3JldA=="]
    assert "authorization" not in stack.received_headers(bearer)


async def test_a_self_route_carries_the_token_scopes_without_asking_delegation(stack: Stack) -> None:
    response = await stack.client.get("/v1/me/statements", headers=stack.bearer(scopes=["notices:read"]))

    assert response.status_code == 200
    context = response.json()["context"]
    assert (context["subject"], context["business"], context["scopes"]) == (stack.user, None, ["notices:read"])
    assert stack.grants.asked == []


async def test_a_self_route_declaring_a_scope_needs_it_in_the_token(stack: Stack) -> None:
    without = await stack.client.get("/v1/me/payment-reminders", headers=stack.bearer(scopes=["notices:read"]))
    with_it = await stack.client.get("/v1/me/payment-reminders", headers=stack.bearer(scopes=["payments:read"]))

    assert (without.status_code, stack.problem(without)["code"]) == (403, "missing_scope")
    assert without.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="payments:read"'
    assert with_it.status_code == 200
    assert with_it.json()["context"]["scopes"] == ["payments:read"]


async def test_unknown_paths_and_methods_are_problems(stack: Stack) -> None:
    unknown = await stack.client.get("/v1/unknown")
    wrong_method = await stack.client.delete(BALANCE)

    assert (unknown.status_code, stack.problem(unknown)["code"]) == (404, "route_not_found")
    assert (wrong_method.status_code, stack.problem(wrong_method)["code"]) == (405, "method_not_allowed")
    assert wrong_method.headers["allow"] == "GET, HEAD"


async def test_internal_endpoints_are_not_reachable_through_the_gateway(stack: Stack) -> None:
    decisions = await stack.client.post(
        "/internal/decisions", json={"user_id": "x", "business": BN, "scope": "financial:read"}
    )
    check = await stack.client.get("/internal/ledger/proof-check")
    # Dot segments percent-encoded so the test client sends them as they are.
    traversal = await stack.client.get(f"/v1/businesses/{BN}/%2E%2E/%2E%2E/%2E%2E/internal/ledger/proof-check")

    assert [r.status_code for r in (decisions, check, traversal)] == [404, 404, 404]
    assert stack.grants.asked == []
    assert stack.ledger.state.seen == []


async def test_a_health_path_of_a_service_is_not_routed(stack: Stack) -> None:
    response = await stack.client.get("/readyz")

    assert response.status_code == 404
    assert stack.ledger.state.seen == []


LARGE_BODY = bytes(range(256)) * 4096  # 1 MiB: streamed through the gateway, not read whole first


@pytest.fixture
async def large_body_server() -> AsyncIterator[str]:
    """A real server answering every request with LARGE_BODY."""

    async def large(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        head = f"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {len(LARGE_BODY)}\r\n\r\n"
        writer.write(head.encode() + LARGE_BODY)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(large, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def test_a_large_body_streams_through_untouched(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]], large_body_server: str
) -> None:
    services = {"identity": "http://identity.test", "ledger": large_body_server, "delegation": "http://delegation.test"}
    async with make_stack(services=services) as stack:
        async with stack.client.stream("GET", "/v1/businesses/lookup") as response:
            chunks = [chunk async for chunk in response.aiter_raw()]

    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(LARGE_BODY))
    assert b"".join(chunks) == LARGE_BODY
    assert len(LARGE_BODY) > BUFFERED_BODY_MAX_BYTES


async def test_over_real_sockets_the_request_and_the_answer_pass_through_the_pool_as_in_process(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]],
) -> None:
    # The service under uvicorn on a port: the proxy sends straight on its aiohttp pool (pools.UpstreamTransport),
    # the path production takes, with a streamed (chunked) request body.
    port = free_port()
    services = {"identity": "http://identity.test", "ledger": f"http://127.0.0.1:{port}"}
    async with make_stack(services=services | {"delegation": "http://delegation.test"}) as stack:
        stack.grants.grant(stack.user, BN, ["payments:write"])

        async def body() -> AsyncIterator[bytes]:
            yield b'{"amount": {"amount": "54000.00",'
            yield b' "currency": "CAD"}}'

        async with Served(stack.ledger, port):
            response = await stack.client.post(
                f"/v1/businesses/{BN}/payments?note=a%20b",
                headers=stack.bearer(scopes=["payments:write"]) | {"Idempotency-Key": "k-2", "Cookie": "s=1"},
                content=body(),
            )

    assert response.status_code == 201
    assert response.headers["location"] == f"/v1/businesses/{BN}/payments/1"
    assert response.headers["x-ledger"] == "yes"
    echo = response.json()
    assert (echo["method"], echo["path"], echo["query"]) == ("POST", f"/v1/businesses/{BN}/payments", "note=a%20b")
    assert json.loads(echo["body"]) == {"amount": {"amount": "54000.00", "currency": "CAD"}}
    assert echo["context"]["business"] == BN and echo["context"]["scopes"] == ["payments:write"]
    received = stack.received_headers(echo)
    assert received["idempotency-key"] == ["k-2"]
    assert "authorization" not in received and "cookie" not in received
    assert received["x-forwarded-for"] == ["127.0.0.1"]
