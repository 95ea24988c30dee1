"""Test doubles and factories: a movable clock, a real SMTP server collecting mail, the identity app driven
through its API, and request bodies that pass every rule unless a test overrides a field."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI

from identity.config import Settings
from identity.main import create_app
from portal_runtime.bus import InMemoryBus
from portal_runtime.messaging import EventRecord
from portal_runtime.testing.apps import running
from portal_runtime.testing.infra import free_port

PASSWORD = "Tr7#mapleLeaf"
_CODE_LINE = re.compile(r"^ {4}([0-9]{6})\r?$", re.MULTILINE)


class FakeClock:
    """What identity takes for "now"; tests move it instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Mailbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def last_code(self, address: str) -> str:
        messages = self.to(address)
        assert messages, f"no mail to {address}"
        return code_in(messages[-1])


def code_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    match = _CODE_LINE.search(body.get_content())
    assert match, "no six-digit code in the e-mail"
    return match.group(1)


@asynccontextmanager
async def smtp_server() -> AsyncIterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def registration(**overrides: Any) -> dict[str, Any]:
    """A body for POST /v1/users that passes every rule; ``recovery`` overrides merge into the default."""
    recovery = {
        "question": "first_pet",
        "answer": "Biscuit",
        "memorable_person": "Aunt Maria",
        "memorable_date": "1987-06-15",
        "memorable_person_hint": "Summers in Gaspé",
        **overrides.pop("recovery", {}),
    }
    body = {"username": "Liviu1234", "password": PASSWORD, "password_confirmation": PASSWORD, "recovery": recovery}
    body.update(overrides)
    return body


def profile(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "Liviu",
        "last_name": "Popescu",
        "phone": "613-555-0100",
        "phone_extension": "123",
        "email": "liviu@example.ca",
        "email_confirmation": "liviu@example.ca",
        "notices_by_email": True,
        "language": "en",
        "terms_consent": True,
    }
    body.update(overrides)
    return body


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The problem document of a refused request, after checking its status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def rule_codes(response: httpx.Response) -> set[tuple[str, str]]:
    body = problem(response, 422, "validation_failed")
    return {(e["field"], e["code"]) for e in body["errors"]}


@dataclass
class Identity:
    """The identity service in process, with the means to walk a user through sign-in."""

    app: FastAPI
    client: httpx.AsyncClient
    bus: InMemoryBus
    clock: FakeClock
    mailbox: Mailbox
    as_context: Callable[..., dict[str, str]]
    users: dict[str, str] = field(default_factory=dict)  # username -> id

    async def events(self) -> list[EventRecord]:
        """Publish the outbox (the relay is off in tests) and return everything published so far."""
        await self.app.state.runtime.relay.publish_pending()
        return self.bus.published

    async def register(self, username: str = "Liviu1234", **overrides: Any) -> str:
        response = await self.client.post("/v1/users", json=registration(username=username, **overrides))
        assert response.status_code == 201, response.text
        self.users[username] = response.json()["id"]
        return self.users[username]

    async def login(self, username: str = "Liviu1234", password: str = PASSWORD) -> dict[str, Any]:
        response = await self.client.post("/v1/sessions", json={"username": username, "password": password})
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def enrol(self, session_id: str, address: str) -> httpx.Response:
        body = {"email": address, "email_confirmation": address, "consent": True}
        return await self.client.post(f"/v1/sessions/{session_id}/mfa/email", json=body)

    async def verify(self, session_id: str, code: str) -> httpx.Response:
        return await self.client.post(f"/v1/sessions/{session_id}/mfa/verify", json={"code": code})

    async def terms(self, session_id: str, accepted: bool = True) -> httpx.Response:
        return await self.client.post(f"/v1/sessions/{session_id}/terms", json={"accepted": accepted})

    async def resend(self, session_id: str) -> httpx.Response:
        return await self.client.post(f"/v1/sessions/{session_id}/mfa/resend")

    async def until_terms(self, username: str = "Liviu1234", address: str = "liviu@tcp.ca") -> str:
        """Sign in up to the terms step, enrolling ``address`` on a first login. Returns the session id."""
        started = await self.login(username)
        session_id: str = started["session_id"]
        if started["next"] == "mfa_enrolment":
            assert (await self.enrol(session_id, address)).status_code == 200
        verified = await self.verify(session_id, self.mailbox.last_code(address))
        assert verified.status_code == 200, verified.text
        assert verified.json()["next"] == "terms"
        return session_id

    async def sign_in(self, username: str = "Liviu1234", address: str = "liviu@tcp.ca") -> dict[str, Any]:
        """The whole journey: password, one-time code, terms. Returns the token response."""
        session_id = await self.until_terms(username, address)
        response = await self.terms(session_id)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def me(self, username: str = "Liviu1234") -> dict[str, str]:
        """Headers the gateway would add for this user."""
        return self.as_context(subject=self.users[username], mfa=True)

    async def refresh(self, refresh_token: str) -> httpx.Response:
        return await self.client.post(
            "/v1/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
        )


def identity_settings(database_url: str, smtp_port: int, **overrides: Any) -> Settings:
    overrides.setdefault("relay_enabled", False)
    overrides.setdefault("consumers_enabled", False)
    overrides.setdefault("delegation_url", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    return Settings(environment="test", database_url=database_url, smtp_port=smtp_port, **overrides)


@asynccontextmanager
async def identity_service(
    database_url: str,
    *,
    as_context: Callable[..., dict[str, str]],
    context_public_jwk: str,
    delegation: httpx.AsyncBaseTransport | None = None,
    federation: httpx.AsyncBaseTransport | None = None,
    **settings: Any,
) -> AsyncIterator[Identity]:
    async with smtp_server() as (mailbox, port):
        bus = InMemoryBus()
        clock = FakeClock()
        app = create_app(
            identity_settings(database_url, port, context_public_key=context_public_jwk, **settings),
            publisher=bus,
            delegation_transport=delegation,
            federation_transport=federation,
        )
        app.state.clock = clock
        async with running(app) as (_, client):
            yield Identity(app, client, bus, clock, mailbox, as_context)


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory}/identity.db"
