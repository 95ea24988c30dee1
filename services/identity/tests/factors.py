"""Helpers for second factors and sign-ins from a given address: an authenticator app that reads the test clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pyotp

from .harness import PASSWORD, Identity


def totp_code(identity: Identity, secret: str, **offset: float) -> str:
    """What an authenticator app shows at the service's "now" (moved by ``offset``, e.g. ``seconds=-30``)."""
    return pyotp.TOTP(secret).at(identity.clock.now + timedelta(**offset))


async def enrol_totp(identity: Identity, username: str = "Liviu1234") -> str:
    """Enrol and confirm an authenticator app for a signed-in user; returns its secret."""
    started = await identity.client.post("/v1/me/mfa/totp", headers=identity.me(username))
    assert started.status_code == 201, started.text
    secret: str = started.json()["secret"]
    confirmed = await identity.client.post(
        "/v1/me/mfa/totp/confirm", json={"code": totp_code(identity, secret)}, headers=identity.me(username)
    )
    assert confirmed.status_code == 200, confirmed.text
    identity.clock.advance(seconds=30)  # the confirming code is spent: the next sign-in needs the next step's
    return secret


def client_headers(ip: str, user_agent: str = "pytest-browser") -> dict[str, str]:
    """What the gateway forwards about the caller."""
    return {"x-forwarded-for": ip, "user-agent": user_agent}


async def password_attempt(
    identity: Identity,
    ip: str,
    password: str = PASSWORD,
    username: str = "Liviu1234",
    user_agent: str = "pytest-browser",
) -> httpx.Response:
    return await identity.client.post(
        "/v1/sessions", json={"username": username, "password": password}, headers=client_headers(ip, user_agent)
    )


async def verify_with(
    identity: Identity, session_id: str, method: str, code: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"method": method, "code": code}
    return await identity.client.post(f"/v1/sessions/{session_id}/mfa/verify", json=body, headers=headers or {})
