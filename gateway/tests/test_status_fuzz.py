"""Schemathesis fuzzes the gateway's own public operations (status, outage windows, submission tracking) against
the real gateway under uvicorn, as tests/contracts/test_fuzz.py does for the services: no input may produce an
unhandled error, and every answer must match the documented responses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from portal_gateway.config import DEFAULT_SERVICES, Settings
from portal_gateway.main import create_app
from portal_runtime.context import generate_signing_key
from portal_runtime.testing.apps import serve_in_thread
from portal_runtime.testing.conformance import check_answer, failure_report, operations_of
from portal_runtime.testing.infra import free_port


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


def fuzz(operation: Any, url: str, failures: dict[str, str]) -> None:
    @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy())
    def call(case: Any) -> None:
        check_answer(operation.label, case, case.call(base_url=url), failures)

    call()


def test_no_input_makes_the_status_operations_fail(gateway: tuple[Any, str]) -> None:
    app, url = gateway
    schema = schemathesis.openapi.from_dict(app.state.outages.document)
    operations = operations_of(schema)
    failures: dict[str, str] = {}

    for operation in operations:
        fuzz(operation, url, failures)

    assert len(operations) == 3
    assert not failures, failure_report(failures)
