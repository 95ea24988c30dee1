"""Schemathesis fuzzes the gateway's own public operations (status, outage windows, submission tracking) against
the real gateway under uvicorn, as tests/contracts/test_fuzz.py does for the services: no input may produce an
unhandled error, and every answer must match the documented responses."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal_gateway.config import DEFAULT_SERVICES, Settings
from portal_gateway.main import create_app
from portal_runtime.context import generate_signing_key
from portal_runtime.testing.infra import free_port

# The documented status codes, content types and bodies (the data the generator makes is not always acceptable:
# a random cursor is refused with a documented 422).
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]


def serve_in_thread(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "gateway did not start"
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def acceptable(response: Any) -> bool:
    """Below 500, or a 503 problem naming what is down (here identity's keys, for the tracking resource)."""
    if response.status_code < 500:
        return True
    return response.status_code == 503 and "application/problem+json" in response.headers.get("content-type", "")


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    closed = {name: f"http://127.0.0.1:{free_port()}" for name in DEFAULT_SERVICES}
    app = create_app(
        Settings(
            environment="test",
            services=closed,
            context_private_key=json.dumps(generate_signing_key().as_dict(private=True)),
            kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
            database_url=f"sqlite+aiosqlite:///{tmp_path}/gateway.db",
            outage_poll_interval_s=0,
            decision_cache_ttl_s=0,
        )
    )
    server, thread, url = serve_in_thread(app)
    yield app, url
    server.should_exit = True
    thread.join(timeout=10)


def fuzz(operation: Any, url: str, failures: list[str]) -> None:
    @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy())
    def call(case: Any) -> None:
        response = case.call(base_url=url)
        if not acceptable(response):
            failures.append(f"{operation.label} -> {response.status_code}: {response.text[:300]}")
            return
        try:
            case.validate_response(response, checks=CONFORMANCE)
        except FailureGroup as exc:  # the checks that failed (a BaseExceptionGroup, not an Exception)
            failures.append(f"{operation.label} -> {response.status_code} does not match the contract: {exc}")

    call()


def test_no_input_makes_the_status_operations_fail(gateway: tuple[Any, str]) -> None:
    app, url = gateway
    schema = schemathesis.openapi.from_dict(app.state.outages.document)
    operations = [r.ok() for r in schema.get_all_operations()]
    failures: list[str] = []

    for operation in operations:
        fuzz(operation, url, failures)

    assert len(operations) == 3
    assert failures == [], "\n".join(failures[:10])
