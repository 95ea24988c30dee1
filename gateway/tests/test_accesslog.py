"""One access-log line per request: JSON (or text) with the route template and the caller, never the raw path,
the query string or a credential."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import pytest

from portal_gateway.accesslog import ACCESS_LOGGER, LineWriter

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
        "response_bytes": response.num_bytes_downloaded,  # as sent: gzipped (httpx asks for it)
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


# --- The writer thread: lines in chunks, none lost at stop, a slow stdout never blocks the event loop ---------


class Stream(io.StringIO):
    """An in-memory stdout that counts its writes and, while ``unblocked`` is clear, hangs in them."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.unblocked = threading.Event()
        self.unblocked.set()

    def write(self, text: str) -> int:
        self.writes += 1
        self.unblocked.wait()
        return super().write(text)


def test_lines_are_written_in_chunks_in_order_and_none_is_lost_at_stop() -> None:
    stream = Stream()
    writer = LineWriter(stream, interval_s=60)  # only stop() writes here
    lines = [json.dumps({"n": n}) for n in range(1000)]

    for line in lines:
        writer.write(line)
    assert stream.getvalue() == ""
    writer.stop()

    assert stream.getvalue() == "".join(line + "\n" for line in lines)
    assert stream.writes == 1


def test_lines_reach_the_stream_within_the_interval_without_a_stop() -> None:
    stream = Stream()
    writer = LineWriter(stream, interval_s=0.01)
    try:
        writer.write("first")
        deadline = time.monotonic() + 5
        while stream.getvalue() != "first\n" and time.monotonic() < deadline:
            time.sleep(0.005)
        assert stream.getvalue() == "first\n"
    finally:
        writer.stop()


def test_a_stream_that_does_not_drain_never_blocks_the_writers_and_loses_nothing() -> None:
    stream = Stream()
    stream.unblocked.clear()
    writer = LineWriter(stream, interval_s=0.001)
    writer.write("before")
    deadline = time.monotonic() + 5
    while stream.writes == 0 and time.monotonic() < deadline:  # the writer thread is now stuck in write()
        time.sleep(0.001)
    assert stream.writes == 1

    started = time.perf_counter()
    for n in range(10_000):
        writer.write(f"line {n}")
    assert time.perf_counter() - started < 1.0  # appends only, while the stream hangs

    stream.unblocked.set()
    writer.stop()
    assert stream.getvalue().splitlines() == ["before", *(f"line {n}" for n in range(10_000))]


def test_lines_waiting_for_a_stuck_stream_are_bounded_the_oldest_dropped_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream = Stream()
    stream.unblocked.clear()
    writer = LineWriter(stream, interval_s=0.001, max_pending=3)
    writer.write("before")
    deadline = time.monotonic() + 5
    while stream.writes == 0 and time.monotonic() < deadline:  # the writer thread is now stuck in write()
        time.sleep(0.001)

    for n in range(5):
        writer.write(f"line {n}")
    assert writer.dropped == 2

    stream.unblocked.set()
    with caplog.at_level(logging.WARNING, logger="portal_gateway.accesslog"):
        writer.stop()
    assert stream.getvalue().splitlines() == ["before", "line 2", "line 3", "line 4"]
    assert "2 access-log lines were dropped" in caplog.text


async def test_answers_are_not_stored_by_caches_unless_they_say_otherwise(stack: Stack) -> None:
    stack.grants.grant(stack.user, "123456789", ["financial:read"])
    balance = await stack.client.get(
        "/v1/businesses/123456789/balance", headers=stack.bearer(scopes=["financial:read"])
    )
    problem = await stack.client.get("/v1/businesses/123456789/balance")
    status = await stack.client.get("/v1/status")

    for response in (balance, problem):
        assert response.headers.get_list("cache-control") == ["no-store"]
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert (balance.status_code, problem.status_code) == (200, 401)
    assert status.headers.get_list("cache-control")[0].startswith("public, max-age=")  # its own, kept
    assert status.headers["x-content-type-options"] == "nosniff"
