"""Tokens restricted to one business: API clients (client credentials) and exchanged tokens (RFC 8693)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import httpx
from joserfc import jws
from joserfc.jwk import OKPKey

from portal_runtime.context import ContextVerifier

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack

CLIENT = "bc_0123456789abcdef01234567"


def balance(bn: str) -> str:
    return f"/v1/businesses/{bn}/balance"


def transactions(bn15: str) -> str:
    return f"/v1/businesses/{bn15[:9]}/program-accounts/{bn15}/transactions"


def client_bearer(stack: Stack, business: str | None, scopes: list[str]) -> dict[str, str]:
    extra: dict[str, Any] = {"client_id": CLIENT, "mfa": False}
    if business is not None:
        extra["business"] = business
    return stack.bearer(CLIENT, scopes, extra=extra)


async def forbidden(stack: Stack, path: str, headers: dict[str, str], code: str) -> dict[str, Any]:
    response = await stack.client.get(path, headers=headers)
    assert response.status_code == 403, response.text
    body = stack.problem(response)
    assert body["code"] == code, body
    assert stack.ledger.state.seen == []
    return body


async def test_an_api_client_acts_for_its_business_with_its_token_scopes_and_no_user_decision(stack: Stack) -> None:
    response = await stack.client.get(balance(stack.bn), headers=client_bearer(stack, stack.bn, ["financial:read"]))

    assert response.status_code == 200, response.text
    context = response.json()["context"]
    assert (context["subject"], context["subject_type"], context["business"]) == (
        f"client:{CLIENT}",
        "client",
        stack.bn,
    )
    assert context["scopes"] == ["financial:read"] and context["program_accounts"] is None
    assert context["via_provider"] is None and context["visibility"] == []
    assert stack.grants.asked == []  # delegation is not asked about a user


async def test_an_api_client_token_on_another_business_is_refused(stack: Stack) -> None:
    stack.grants.grant(f"client:{CLIENT}", stack.other_bn, ["financial:read"])  # even if delegation would say yes

    body = await forbidden(
        stack, balance(stack.other_bn), client_bearer(stack, stack.bn, ["financial:read"]), "client_not_for_business"
    )

    assert stack.bn in body["detail"]
    assert stack.grants.asked == []


async def test_an_api_client_token_without_a_business_is_refused(stack: Stack) -> None:
    await forbidden(stack, balance(stack.bn), client_bearer(stack, None, ["financial:read"]), "client_not_for_business")


async def test_an_api_client_needs_the_scope_in_its_token(stack: Stack) -> None:
    body = await forbidden(stack, balance(stack.bn), client_bearer(stack, stack.bn, ["payments:read"]), "missing_scope")

    assert "financial:read" in body["detail"]


async def test_an_exchanged_token_acts_on_its_business_only(stack: Stack) -> None:
    stack.grants.grant(stack.user, stack.bn, ["financial:read"])
    stack.grants.grant(stack.user, stack.other_bn, ["financial:read"])
    token = stack.bearer(scopes=["financial:read"], extra={"business": stack.bn})

    allowed = await stack.client.get(balance(stack.bn), headers=token)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["context"]["subject"] == stack.user
    stack.ledger.state.seen.clear()

    await forbidden(stack, balance(stack.other_bn), token, "token_not_for_business")


async def test_an_exchanged_token_covers_only_its_program_accounts(stack: Stack) -> None:
    stack.grants.grant(stack.user, stack.bn, ["financial:read"])
    token = stack.bearer(scopes=["financial:read"], extra={"business": stack.bn, "program_accounts": [stack.bn15]})

    allowed = await stack.client.get(transactions(stack.bn15), headers=token)
    business_level = await stack.client.get(balance(stack.bn), headers=token)
    stack.ledger.state.seen.clear()

    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["context"]["program_accounts"] == [stack.bn15]
    assert business_level.json()["context"]["program_accounts"] == [stack.bn15]  # services filter by it
    await forbidden(stack, transactions(f"{stack.bn}RM0002"), token, "program_account_not_in_token")


async def test_the_token_and_the_role_restrictions_on_program_accounts_intersect(stack: Stack) -> None:
    stack.grants.grant(stack.user, stack.bn, ["financial:read"], program_accounts=[stack.bn15, f"{stack.bn}RM0002"])
    accounts = [f"{stack.bn}RM0002", f"{stack.bn}RM0003"]
    token = stack.bearer(scopes=["financial:read"], extra={"business": stack.bn, "program_accounts": accounts})

    response = await stack.client.get(balance(stack.bn), headers=token)

    assert response.json()["context"]["program_accounts"] == [f"{stack.bn}RM0002"]


async def test_a_malformed_restriction_claim_is_an_invalid_token(stack: Stack) -> None:
    token = stack.bearer(scopes=["financial:read"], extra={"business": stack.bn, "program_accounts": "all"})

    response = await stack.client.get(balance(stack.bn), headers=token)

    assert response.status_code == 401
    assert stack.problem(response)["code"] == "invalid_token"


async def test_a_real_api_client_token_from_identity_reaches_its_business(stack: Stack) -> None:
    # The stack's identity does not know the gateway's context key: give it the public half, as deployments do.
    stack.identity.state.context_verifier = ContextVerifier(OKPKey.import_key(stack.context_key.as_dict(private=False)))
    stack.grants.grant(stack.user, stack.bn, ["business_profile:write", "financial:read"], role="bam")
    manager = stack.bearer(scopes=["business_profile:write", "financial:read"], extra={"mfa": True})
    created = await stack.client.post(
        f"/v1/businesses/{stack.bn}/api-clients", json={"name": "Desk", "scopes": ["financial:read"]}, headers=manager
    )
    assert created.status_code == 201, created.text
    client_id, secret = created.json()["client_id"], created.json()["client_secret"]

    # client_secret_post: the gateway keeps every Authorization header at the edge, HTTP Basic included.
    token = await stack.client.post(
        "/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}

    own = await stack.client.get(balance(stack.bn), headers=bearer)
    other = await stack.client.get(balance(stack.other_bn), headers=bearer)

    assert own.status_code == 200, own.text
    assert own.json()["context"]["subject"] == f"client:{client_id}"
    assert other.status_code == 403 and stack.problem(other)["code"] == "client_not_for_business"


async def test_a_rotation_through_identitys_endpoint_keeps_old_tokens_and_accepts_new_ones(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]],
) -> None:
    # No refetch limit: stands for the activation delay (30 s) being longer than the gateway's (10 s).
    async with make_stack(jwks_refetch_interval_s=0) as stack:
        stack.grants.grant(stack.user, stack.bn, ["financial:read"])
        old = stack.bearer(scopes=["financial:read"])
        assert (await stack.client.get(balance(stack.bn), headers=old)).status_code == 200
        internal = httpx.AsyncClient(transport=httpx.ASGITransport(stack.identity), base_url="http://identity.test")
        async with internal:
            rotated = await internal.post("/internal/keys/rotate")
        assert rotated.status_code == 200, rotated.text
        keys = stack.identity.state.keys
        keys._next = (keys._next[0], 0.0)  # the activation delay has passed
        new = stack.bearer(scopes=["financial:read"])
        assert jws.extract_compact(new["Authorization"][7:].encode()).protected["kid"] == rotated.json()["kid"]

        assert (await stack.client.get(balance(stack.bn), headers=new)).status_code == 200
        assert (await stack.client.get(balance(stack.bn), headers=old)).status_code == 200
