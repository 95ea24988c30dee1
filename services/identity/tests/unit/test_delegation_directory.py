"""Memberships from delegation: any failure means "unknown", never an error for /v1/me."""

from __future__ import annotations

import json

import httpx

from identity.me.delegation import DelegationDirectory
from portal_contracts.internal import Membership

MEMBERSHIP = {"bn": "123456789", "operating_name": "Harp & Co.", "role": "bam", "programs": "all"}


async def memberships_with(transport: httpx.MockTransport) -> list[Membership] | None:
    directory = DelegationDirectory(httpx.AsyncClient(base_url="http://delegation.test", transport=transport))
    try:
        return await directory.memberships("user-1")
    finally:
        await directory.aclose()


async def test_memberships_are_read_from_the_internal_api() -> None:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(200, json=[MEMBERSHIP])

    memberships = await memberships_with(httpx.MockTransport(answer))
    assert asked == ["/internal/users/user-1/memberships"]
    assert memberships is not None and [m.bn for m in memberships] == ["123456789"]


async def test_errors_and_unexpected_answers_mean_unavailable() -> None:
    answers = [
        httpx.Response(500, json={"detail": "boom"}),
        httpx.Response(404),
        httpx.Response(200, content=b"not json"),
        httpx.Response(200, content=json.dumps([{"bn": "12"}]).encode()),
    ]
    for answer in answers:
        assert await memberships_with(httpx.MockTransport(lambda _, a=answer: a)) is None


async def test_a_network_failure_means_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    assert await memberships_with(httpx.MockTransport(refuse)) is None
