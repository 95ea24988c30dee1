"""One access-log line per request: JSON (or text) with the route template and the caller, never the raw path,
the query string or a credential."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import pytest

from portal_gateway.accesslog import ACCESS_LOGGER

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack

FIELDS = {
    "timestamp",
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "sub",
    "client_id",
    "business",
    "service",
    "response_bytes",
    "rate_limit",
    "rate_limit_class",
    "rate_limit_remaining",
}


@pytest.fixture
def access_lines(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], list[str]]]:
    """The access lines logged so far (the logger does not propagate: it writes its own lines to stdout)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(caplog.handler)
    try:
        yield lambda: [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    finally:
        logger.removeHandler(caplog.handler)


async def test_each_request_writes_one_json_line_with_the_operation_and_the_caller(
    stack: Stack, access_lines: Callable[[], list[str]]
) -> None:
    stack.grants.grant(stack.user, stack.bn, ["financial:read"])
    token = stack.token(scopes=["financial:read"], extra={"client_id": "portal-web"})
    response = await stack.client.get(
        f"/v1/businesses/{stack.bn}/balance?email=jane%40example.com",
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-0123456789"},
    )
    assert response.status_code == 200

    (line,) = access_lines()
    record: dict[str, Any] = json.loads(line)
    assert set(record) == FIELDS
    assert record["timestamp"].endswith("Z")
    assert {k: record[k] for k in FIELDS - {"timestamp", "duration_ms"}} == {
        "request_id": "req-0123456789",
        "method": "GET",
        "route": "/v1/businesses/{bn}/balance",
        "status": 200,
        "sub": stack.user,
        "client_id": "portal-web",
        "business": stack.bn,
        "service": "ledger",
        "response_bytes": len(response.content),
        "rate_limit": "allowed",
        "rate_limit_class": "user",
        "rate_limit_remaining": 119,
    }
    assert record["duration_ms"] > 0
    # Nothing that identifies a person beyond the subject, and no credential.
    assert "jane" not in line and "example.com" not in line
    assert token not in line and token.split(".")[2] not in line


async def test_refusals_and_unknown_paths_are_logged_too(stack: Stack, access_lines: Callable[[], list[str]]) -> None:
    forbidden = await stack.client.get(f"/v1/businesses/{stack.bn}/balance", headers=stack.bearer("stranger"))
    unknown = await stack.client.get("/v1/nothing/here/123456789")
    unauthenticated = await stack.client.get(f"/v1/businesses/{stack.bn}/balance")
    live = await stack.client.get("/livez")

    records = [json.loads(line) for line in access_lines()]
    assert [r["status"] for r in records] == [
        forbidden.status_code,
        unknown.status_code,
        unauthenticated.status_code,
        live.status_code,
    ]
    assert [r["route"] for r in records] == [
        "/v1/businesses/{bn}/balance",
        "unmatched",
        "/v1/businesses/{bn}/balance",
        "/livez",
    ]
    assert records[0]["status"] == 403 and records[0]["sub"] == "stranger"
    assert records[0]["rate_limit"] == "allowed"
    assert records[1]["status"] == 404 and records[1]["service"] is None
    assert records[2]["status"] == 401 and records[2]["sub"] is None and records[2]["rate_limit"] is None


async def test_text_format_and_off(
    make_stack: Callable[..., AbstractAsyncContextManager[Stack]], access_lines: Callable[[], list[str]]
) -> None:
    async with make_stack(access_log="text") as stack:
        await stack.client.get("/v1/businesses/lookup?name=secret-name")
    (line,) = access_lines()
    assert " GET /v1/businesses/lookup 200 " in line
    assert "service=ledger" in line and "rate_limit=allowed" in line
    assert "secret-name" not in line

    async with make_stack(access_log="off") as stack:
        await stack.client.get("/v1/businesses/lookup")
    assert len(access_lines()) == 1
