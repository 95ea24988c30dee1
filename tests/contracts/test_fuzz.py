"""Schemathesis fuzzes every documented operation of every service (the committed contract) against the real
app under uvicorn: no input may produce an unhandled error. Business routes get a valid gateway context for the
business in their path, so the fuzzing reaches past authentication into validation and the use cases."""

from __future__ import annotations

import importlib
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

from portal_contracts import OPENAPI_DIR
from portal_contracts.scopes import ALL_SCOPES
from portal_runtime.context import ContextSigner, InternalContext, generate_signing_key
from portal_runtime.testing.infra import free_port

SERVICES = {
    "identity": "identity",
    "business-registry": "business_registry",
    "delegation": "delegation",
    "ledger": "ledger",
    "rulings": "rulings",
    "notifications": "notifications",
}
EXAMPLES_PER_OPERATION = 8
KEY = generate_signing_key("fuzz")
SIGNER = ContextSigner(KEY)


def serve_in_thread(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "service did not start"
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def context_for(case: Any) -> dict[str, str]:
    params = case.path_parameters or {}
    business = params.get("bn") or params.get("sp_bn") or params.get("client_bn")
    context = InternalContext(
        subject="fuzz-user",
        business=business if isinstance(business, str) else None,
        scopes=sorted(ALL_SCOPES),
        role="bam",
        mfa=True,
    )
    return {"x-portal-context": SIGNER.sign(context)}


def acceptable(response: Any) -> bool:
    """A 503 naming the dependency that is down (no SMTP or broker here) is an honest answer; nothing else 5xx is."""
    if response.status_code < 500:
        return True
    content_type = response.headers.get("content-type") or []
    content_types = content_type if isinstance(content_type, list) else [content_type]
    return response.status_code == 503 and "application/problem+json" in content_types


def fuzz(operation: Any, base_url: str, failures: list[str]) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(operation.as_strategy())
    def call(case: Any) -> None:
        response = case.call(base_url=base_url, headers=context_for(case))
        if not acceptable(response):
            kind = response.headers.get("content-type")
            failures.append(f"{operation.label} -> {response.status_code} ({kind}): {response.text[:300]}")

    call()


@pytest.fixture
def service_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    package = SERVICES[request.param]
    config = importlib.import_module(f"{package}.config")
    values = {
        "environment": "test",
        "sandbox": True,
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/fuzz.db",
        "relay_enabled": False,
        "consumers_enabled": False,
        "kafka_bootstrap_servers": f"127.0.0.1:{free_port()}",
        "context_public_key": json.dumps(KEY.as_dict(private=False)),
        "smtp_port": free_port(),
    }
    settings_ = config.Settings(**{k: v for k, v in values.items() if k in config.Settings.model_fields})
    server, thread, url = serve_in_thread(importlib.import_module(f"{package}.main").create_app(settings_))
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def has_operations(service: str) -> bool:
    """Services whose contract has something to fuzz beyond health and metrics."""
    paths = json.loads((OPENAPI_DIR / f"{service}.json").read_text())["paths"]
    return any("operations" not in op.get("tags", []) for item in paths.values() for op in item.values())


@pytest.mark.parametrize("service_url", [s for s in sorted(SERVICES) if has_operations(s)], indirect=True)
def test_no_input_makes_a_service_fail(service_url: str, request: pytest.FixtureRequest) -> None:
    service = request.node.callspec.params["service_url"]
    schema = schemathesis.openapi.from_dict(json.loads((OPENAPI_DIR / f"{service}.json").read_text()))
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations()]
    fuzzed = [op for op in operations if "operations" not in (op.definition.raw.get("tags") or [])]

    for operation in fuzzed:
        fuzz(operation, service_url, failures)

    assert fuzzed
    assert failures == [], "\n".join(failures[:10])
