import time

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from joserfc import jwt

from portal_runtime.context import (
    ALGORITHM,
    ContextSigner,
    ContextVerifier,
    CurrentContext,
    InternalContext,
    generate_signing_key,
)
from portal_runtime.problems import Unauthorized, install_problem_handlers


def test_signed_context_round_trips() -> None:
    key = generate_signing_key()
    context = InternalContext(
        subject="u1", business="123456782", scopes=["financial:read"], visibility=["provider"], via_provider="987654321"
    )
    verified = ContextVerifier(key).verify(ContextSigner(key).sign(context))
    assert verified.business == "123456782"
    assert verified.scopes == ["financial:read"]
    assert verified.via_provider == "987654321"


def test_expired_context_is_refused() -> None:
    key = generate_signing_key()
    token = ContextSigner(key, ttl_s=-60).sign(InternalContext(subject="u1"))
    with pytest.raises(Unauthorized):
        ContextVerifier(key).verify(token)


def test_context_signed_by_another_key_is_refused() -> None:
    token = ContextSigner(generate_signing_key()).sign(InternalContext(subject="u1"))
    with pytest.raises(Unauthorized):
        ContextVerifier(generate_signing_key()).verify(token)


def test_context_for_another_audience_is_refused() -> None:
    key = generate_signing_key()
    token = ContextSigner(key, audience="elsewhere").sign(InternalContext(subject="u1"))
    with pytest.raises(Unauthorized):
        ContextVerifier(key).verify(token)


def test_tampered_context_is_refused() -> None:
    key = generate_signing_key()
    now = int(time.time())
    claims = {
        "iss": "portal-gateway",
        "aud": "portal-services",
        "iat": now,
        "exp": now + 60,
        "ctx": {"subject": "u1", "scopes": []},
    }
    token = jwt.encode({"alg": ALGORITHM}, claims, key, algorithms=[ALGORITHM])
    header, _payload, signature = token.split(".")
    forged = jwt.encode(
        {"alg": ALGORITHM},
        {**claims, "ctx": {"subject": "u1", "scopes": ["employees:write"]}},
        key,
        algorithms=[ALGORITHM],
    ).split(".")[1]
    with pytest.raises(Unauthorized):
        ContextVerifier(key).verify(f"{header}.{forged}.{signature}")


async def test_service_route_requires_the_gateway_context() -> None:
    key = generate_signing_key()
    app = FastAPI()
    install_problem_handlers(app)
    app.state.context_verifier = ContextVerifier(key)

    @app.get("/who")
    async def who(context: CurrentContext) -> dict[str, str]:
        return {"subject": context.subject}

    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        missing = await client.get("/who")
        ok = await client.get(
            "/who", headers={"x-portal-context": ContextSigner(key).sign(InternalContext(subject="u42"))}
        )

    assert missing.status_code == 401
    assert missing.json()["code"] == "missing_context"
    assert ok.json() == {"subject": "u42"}


class Clock:
    """The time both the caches and joserfc's claim checks read."""

    def __init__(self) -> None:
        self.now = int(time.time())

    def __call__(self) -> int:
        return self.now


def test_a_verified_token_is_recognised_without_verifying_it_again() -> None:
    key = generate_signing_key()
    verifier = ContextVerifier(key)
    token = ContextSigner(key).sign(InternalContext(subject="u1", scopes=["employees:read"]))

    first = verifier.verify(token)
    first.scopes.append("employees:write")  # a caller changing its copy
    second = verifier.verify(token)

    assert (verifier.verified, verifier.cached) == (1, 1)
    assert second == InternalContext(subject="u1", scopes=["employees:read"])


def test_a_remembered_token_is_refused_once_expired_with_the_same_leeway() -> None:
    key, clock = generate_signing_key(), Clock()
    verifier = ContextVerifier(key, leeway_s=5, clock=clock)
    token = ContextSigner(key, ttl_s=60, clock=clock).sign(InternalContext(subject="u1"))
    assert verifier.verify(token).subject == "u1"

    clock.now += 64  # exp + leeway not reached yet
    assert verifier.verify(token).subject == "u1"
    clock.now += 1
    with pytest.raises(Unauthorized):
        verifier.verify(token)
    assert (verifier.verified, verifier.cached) == (1, 1)


def test_the_verified_tokens_remembered_are_bounded() -> None:
    key = generate_signing_key()
    verifier = ContextVerifier(key, max_remembered=2)
    signer = ContextSigner(key)
    first, second, third = (signer.sign(InternalContext(subject=f"u{n}")) for n in range(3))

    for token in (first, second, third, third, first):
        verifier.verify(token)

    assert (verifier.verified, verifier.cached) == (4, 1)  # the first was dropped for the third, verified again


def test_a_tampered_token_is_refused_after_the_genuine_one_was_remembered() -> None:
    key = generate_signing_key()
    verifier = ContextVerifier(key)
    token = ContextSigner(key).sign(InternalContext(subject="u1", scopes=["employees:read"]))
    verifier.verify(token)
    header, _payload, signature = token.split(".")
    escalated = ContextSigner(generate_signing_key()).sign(InternalContext(subject="u1", scopes=["employees:write"]))
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]

    for forged in (f"{header}.{escalated.split('.')[1]}.{signature}", f"{header}.{_payload}.{flipped}"):
        with pytest.raises(Unauthorized):
            verifier.verify(forged)
    assert verifier.verify(token).scopes == ["employees:read"]


def test_an_identical_context_is_signed_once_for_half_the_ttl() -> None:
    key, clock = generate_signing_key(), Clock()
    signer = ContextSigner(key, ttl_s=60, clock=clock)
    context = InternalContext(subject="u1", business="123456782", scopes=["employees:read"], role="bam")
    token = signer.sign(context)

    clock.now += 29
    same = signer.sign(context.model_copy(deep=True))
    other = signer.sign(context.model_copy(update={"role": "pam"}))
    clock.now += 1  # half the ttl: the token has no more than 30 s left
    renewed = signer.sign(context)

    assert same == token
    assert other != token
    assert renewed != token
    assert ContextVerifier(key, clock=clock).verify(renewed) == context


def test_the_signed_contexts_reused_are_bounded_and_those_naming_a_request_are_not() -> None:
    key, clock = generate_signing_key(), Clock()
    signer = ContextSigner(key, max_reused=2, clock=clock)
    first, second, third = (InternalContext(subject=f"u{n}") for n in range(3))
    tokens = [signer.sign(context) for context in (first, second, third)]
    named = signer.sign(InternalContext(subject="u1", request_id="req-00000001"))

    clock.now += 1
    assert signer.sign(third) == tokens[2]
    assert signer.sign(first) != tokens[0]  # dropped for the third: signed again, with a new iat
    assert signer.sign(InternalContext(subject="u1", request_id="req-00000001")) != named


async def test_a_service_verifies_a_repeated_context_header_once() -> None:
    key = generate_signing_key()
    app = FastAPI()
    install_problem_handlers(app)
    verifier = app.state.context_verifier = ContextVerifier(key)

    @app.get("/who")
    async def who(context: CurrentContext) -> dict[str, str]:
        return {"subject": context.subject}

    headers = {"x-portal-context": ContextSigner(key).sign(InternalContext(subject="u42"))}
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        responses = [await client.get("/who", headers=headers) for _ in range(3)]

    assert [r.json() for r in responses] == [{"subject": "u42"}] * 3
    assert (verifier.verified, verifier.cached) == (1, 2)
