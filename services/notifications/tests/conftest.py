"""The notifications service in process (SQLite in tmp_path), fed through its real inbox path, and a real SMTP
server of the test's own (aiosmtpd) that can be taken down and brought back on the same port."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import select

from notifications.config import Settings
from notifications.mail.models import OutboundEmail
from notifications.main import MailWorkers, create_app
from portal_contracts.events import EventPayload
from portal_runtime.messaging import EventRecord
from portal_runtime.testing.apps import running
from portal_runtime.testing.infra import free_port

from .factories import record


@dataclass
class Received:
    to: list[str]
    message: EmailMessage


class SmtpServer:
    """A real SMTP server on a fixed free port, recording what it accepted; ``refuse`` makes it answer 550."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.refuse: set[str] = set()
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [r.message for r in self.received if address in r.to]


@pytest.fixture
def smtp() -> Any:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


FAST_MAIL = {"mail_poll_interval_s": 0.05, "mail_retry_base_s": 0.05, "mail_retry_max_s": 0.2}


@pytest.fixture
def make_settings(tmp_path: Path, context_public_jwk: str) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": f"sqlite+aiosqlite:///{tmp_path}/notifications.db",
            "context_public_key": context_public_jwk,
            "relay_enabled": False,
            "consumers_enabled": False,
            "smtp_port": free_port(),  # nobody listens unless a test says so
            **FAST_MAIL,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@dataclass
class Service:
    """The running app, its client, and the ways a test feeds and inspects it."""

    app: FastAPI
    client: httpx.AsyncClient
    as_context: Callable[..., dict[str, str]]
    delivered: list[EventRecord] = field(default_factory=list)

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    @property
    def workers(self) -> MailWorkers:
        return self.app.state.mail_workers  # type: ignore[no-any-return]

    async def deliver(self, payload: EventPayload, **fields: Any) -> EventRecord:
        """Through the real inbox path: each subscription handling the type gets it, as each consumer group would."""
        event = fields.pop("event", None) or record(payload, **fields)
        dispatchers = [d for d in self.runtime.dispatchers if event.type in d.subscription.handlers]
        assert dispatchers, f"no subscription handles {event.type}"
        for dispatcher in dispatchers:
            await dispatcher.deliver(event)
        self.delivered.append(event)
        return event

    def headers(self, user_id: str) -> dict[str, str]:
        return self.as_context(subject=user_id)

    async def notices(self, user_id: str, **params: Any) -> dict[str, Any]:
        response = await self.client.get("/v1/me/notices", params=params, headers=self.headers(user_id))
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def notice(self, user_id: str, notice_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/v1/me/notices/{notice_id}", headers=self.headers(user_id))
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def emails(self) -> list[OutboundEmail]:
        async with self.runtime.sessions() as session:
            rows = await session.execute(select(OutboundEmail).order_by(OutboundEmail.created_at))
            return list(rows.scalars())


@pytest.fixture
def start_service(as_context: Callable[..., dict[str, str]]) -> Callable[..., Any]:
    @asynccontextmanager
    async def start(settings: Settings) -> AsyncIterator[Service]:
        async with running(create_app(settings)) as (app, client):
            yield Service(app, client, as_context)

    return start


@pytest.fixture
async def service(make_settings: Callable[..., Settings], start_service: Callable[..., Any]) -> AsyncIterator[Service]:
    """No SMTP server listening: e-mails stay pending, which these tests do not look at."""
    async with start_service(make_settings()) as running_service:
        yield running_service
