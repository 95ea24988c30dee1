"""The developer portal's document is what integrators code against (API.md: "every documented operation lists its
error responses; no undocumented status codes"). Schemathesis fuzzes every operation of the gateway's aggregated
``/openapi.json`` through the whole stack, as a signed-in BAM of a registered business: whatever the input, the
answer's status code, content type and body must be the ones the document gives for that operation, the gateway's
own answers (401, 403, 404, 413, 429, 503, ...) as much as the services'. Callers without a token, and with one
the gateway did not sign, are fuzzed too.

The services' contracts are fuzzed one by one in tests/contracts/test_fuzz.py, behind a forged context; this test
adds what only the assembled portal does: the gateway's authentication, authorization and limits in front of them,
and the services reading what the others wrote (the business exists, the caller is its BAM)."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from portal_runtime.testing.conformance import check_answer, failure_report, operations_of
from portal_runtime.testing.infra import PostgresServer, TansuBroker, wait_for
from portal_runtime.testing.stack import Portal, running_portal

pytestmark = pytest.mark.integration

# `make fuzz` asks for many more (PORTAL_FUZZ_EXAMPLES) than CI runs by default.
EXAMPLES_PER_OPERATION = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "6"))
PASSWORD = "Harbour7Lights"
# Closing the fuzzer's own account would leave every later operation a 401: it is fuzzed last.
ENDS_THE_CALLER = {("DELETE", "/v1/me")}


async def signed_in_bam(portal: Portal) -> tuple[str, str]:
    """An access token of a user who registered the sandbox's first reference business, and that business's BN."""
    client = portal.client
    email = "fuzz@harp.example"
    recovery = {"question": "first_pet", "answer": "Biscuit", "memorable_person": "Aunt Rose"}
    created = await client.post(
        "/v1/users",
        json={
            "username": "FuzzOwner01",
            "password": PASSWORD,
            "password_confirmation": PASSWORD,
            "recovery": recovery | {"memorable_date": "1990-04-12"},
        },
    )
    assert created.status_code == 201, created.text
    started = await client.post("/v1/sessions", json={"username": "FuzzOwner01", "password": PASSWORD})
    session = started.json()["session_id"]
    enrolment = {"email": email, "email_confirmation": email, "consent": True}
    assert (await client.post(f"/v1/sessions/{session}/mfa/email", json=enrolment)).status_code == 200
    code = await portal.latest_code(email)
    assert (await client.post(f"/v1/sessions/{session}/mfa/verify", json={"code": code})).status_code == 200
    tokens = await client.post(f"/v1/sessions/{session}/terms", json={"accepted": True})
    assert tokens.status_code == 200, tokens.text
    auth = {"authorization": f"Bearer {tokens.json()['access_token']}"}

    reference = (await client.get("/v1/sandbox/reference-businesses")).json()["items"][0]
    registered = await client.post("/v1/business-registrations", json=reference["registration_request"], headers=auth)
    assert registered.status_code == 201, registered.text

    async def is_bam() -> bool:
        contexts = (await client.get("/v1/me/contexts", headers=auth)).json()["items"]
        return any(c["bn"] == reference["bn"] and c["role"] == "bam" for c in contexts)

    await wait_for(is_bam, within=20)
    return tokens.json()["access_token"], reference["bn"]


@dataclass(frozen=True)
class Caller:
    """Who the fuzzer calls as: the headers it sends, and its business (put in every other example's path)."""

    headers: dict[str, str]
    business: str | None
    examples: int


def fuzz(operation: Any, gateway: str, caller: Caller, failures: dict[str, str], statuses: Counter[int]) -> None:
    """Fuzzes one operation (blocking: run in a thread, the stack serves on the test's event loop)."""
    drawn = 0

    @settings(
        max_examples=caller.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: one example of each kind of failure is enough
    )
    @given(operation.as_strategy())
    def call(case: Any) -> None:
        nonlocal drawn
        drawn += 1
        if caller.business and drawn % 2 and case.path_parameters and "bn" in case.path_parameters:
            case.path_parameters["bn"] = caller.business  # every other example: past authorization
        response = case.call(base_url=gateway, headers=caller.headers, timeout=30)
        statuses[response.status_code] += 1
        check_answer(operation.label, case, response, failures)

    call()


# Rate limits far above what the fuzzing sends, so that it reaches the operations (429 is proven elsewhere).
UNLIMITED = {f"rate_limit_{who}_burst": 100_000 for who in ("user", "client", "anonymous")}


@pytest.fixture
async def portal(postgres: PostgresServer, tansu: TansuBroker) -> AsyncIterator[Portal]:
    async with running_portal(postgres, tansu, **UNLIMITED) as stack:
        yield stack


async def test_every_answer_of_the_public_api_is_the_one_its_document_gives(portal: Portal) -> None:
    token, bn = await signed_in_bam(portal)
    document = (await portal.client.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = operations_of(schema)
    # Those that end the caller's account last, so that every other operation is fuzzed as a signed-in BAM.
    fuzzed = sorted(operations, key=lambda op: (op.method.upper(), op.path) in ENDS_THE_CALLER)
    failures: dict[str, str] = {}
    statuses: Counter[int] = Counter()

    not_signed = {"authorization": "Bearer not.a.token"}
    bam = Caller({"authorization": f"Bearer {token}"}, bn, EXAMPLES_PER_OPERATION)
    # The gateway's own refusals: no token, and a token it did not sign (public operations answer both).
    strangers = [Caller({}, None, max(2, EXAMPLES_PER_OPERATION // 4)), Caller(not_signed, None, 1)]

    def run() -> None:
        for operation in fuzzed:
            for caller in [bam, *strangers]:
                fuzz(operation, portal.gateway, caller, failures, statuses)

    await asyncio.to_thread(run)

    assert len(fuzzed) > 80  # every service's public operations, not a few

    # The last operations revoked the fuzzer's credential: its token soon opens nothing (the gateway hears of it).
    async def refused() -> bool:
        return (await portal.client.get("/v1/me", headers=bam.headers)).status_code == 401

    await wait_for(refused, within=20)
    answered = sum(statuses.values())
    # Past the gateway into the use cases (on this machine about a fifth of the answers are 2xx), not held at 429.
    assert sum(n for status, n in statuses.items() if status < 300) > answered / 20, statuses
    assert statuses[429] < answered / 10, statuses
    assert not failures, failure_report(failures)
