"""Schemathesis fuzzes every documented operation of every service (the committed contract) against the real
app under uvicorn: no input may produce an unhandled error, and every answer must be one the contract documents
for that operation (status code, content type, body schema; API.md: "no undocumented status codes"). Business
routes get a valid gateway context for the business in their path, so the fuzzing reaches past authentication into
validation and the use cases; identity's ``/v1/me`` routes are fuzzed as a registered user and as one whose account
no longer exists."""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from portal_contracts import OPENAPI_DIR
from portal_contracts.scopes import ALL_SCOPES
from portal_runtime.context import ContextSigner, InternalContext, generate_signing_key
from portal_runtime.testing.apps import serve_in_thread
from portal_runtime.testing.conformance import check_answer, failure_report, operations_of
from portal_runtime.testing.infra import free_port

SERVICES = {
    "identity": "identity",
    "business-registry": "business_registry",
    "delegation": "delegation",
    "ledger": "ledger",
    "rulings": "rulings",
    "notifications": "notifications",
}
# `make fuzz` asks for many more (PORTAL_FUZZ_EXAMPLES) than CI runs by default.
EXAMPLES_PER_OPERATION = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "8"))
KEY = generate_signing_key("fuzz")
SIGNER = ContextSigner(KEY)


@dataclass(frozen=True)
class Target:
    """A running service and the user the fuzzer acts as."""

    url: str
    subject: str = "fuzz-user"


def context_for(case: Any, subject: str) -> dict[str, str]:
    params = case.path_parameters or {}
    business = params.get("bn") or params.get("sp_bn") or params.get("client_bn")
    context = InternalContext(
        subject=subject,
        business=business if isinstance(business, str) else None,
        scopes=sorted(ALL_SCOPES),
        role="bam",
        mfa=True,
    )
    return {"x-portal-context": SIGNER.sign(context)}


def fuzz(operation: Any, target: Target, failures: dict[str, str]) -> None:
    """Fuzzes one operation; ``failures`` gets one entry per distinct kind of failure (operation, status, checks)."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(operation.as_strategy())
    def call(case: Any) -> None:
        response = case.call(base_url=target.url, headers=context_for(case, target.subject))
        check_answer(operation.label, case, response, failures)

    call()


def registered_user(url: str) -> str:
    """A user identity knows, so that the fuzzing of ``/v1/me/...`` gets past "no such user" into the use cases."""
    password = "Tr7#mapleLeaf"
    recovery = {"question": "first_pet", "answer": "Biscuit", "memorable_person": "Aunt Maria"}
    body = {
        "username": "Fuzzer2026",
        "password": password,
        "password_confirmation": password,
        "recovery": recovery | {"memorable_date": "1987-06-15"},
    }
    response = httpx.post(f"{url}/v1/users", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    service, _, subject = request.param.partition(":")
    package = SERVICES[service]
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
    # identity is fuzzed as a registered user and as one who no longer exists (a token outliving its account).
    yield Target(url, registered_user(url)) if service == "identity" and subject != "gone" else Target(url)
    server.should_exit = True
    thread.join(timeout=10)


def has_operations(service: str) -> bool:
    """Services whose contract has something to fuzz beyond health and metrics."""
    paths = json.loads((OPENAPI_DIR / f"{service}.json").read_text())["paths"]
    return any("operations" not in op.get("tags", []) for item in paths.values() for op in item.values())


FUZZED = [s for s in sorted(SERVICES) if has_operations(s)] + ["identity:gone"]


@pytest.mark.parametrize("target", FUZZED, indirect=True)
def test_no_input_makes_a_service_fail_or_answer_outside_its_contract(
    target: Target, request: pytest.FixtureRequest
) -> None:
    service = request.node.callspec.params["target"].partition(":")[0]
    schema = schemathesis.openapi.from_dict(json.loads((OPENAPI_DIR / f"{service}.json").read_text()))
    failures: dict[str, str] = {}
    operations = operations_of(schema)
    fuzzed = [op for op in operations if "operations" not in (op.definition.raw.get("tags") or [])]

    for operation in fuzzed:
        fuzz(operation, target, failures)

    assert fuzzed
    assert not failures, failure_report(failures)
