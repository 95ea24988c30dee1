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
