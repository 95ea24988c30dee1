"""Bootstrap: the service's routes, subscriptions and background workers (e-mail sender, local SMTP sink)."""

from __future__ import annotations

import asyncio
from typing import cast

from fastapi import FastAPI

from notifications.config import Settings
from notifications.db import Base, messaging
from notifications.mail.service import MailSender
from notifications.notices import events as notice_events
from notifications.notices.router import router as notices_router
from notifications.recipients import events as recipient_events
from notifications.sandbox.router import router as sandbox_router
from notifications.sandbox.sink import SmtpSink
from portal_runtime.relay import Publisher
from portal_runtime.service import ServiceRuntime, ServiceSpec, build_service_app


class MailWorkers:
    """The e-mail sender and, when enabled, the local SMTP sink: a startup hook starts them, a shutdown hook stops
    them (before the runtime disposes of the database engine they use)."""

    def __init__(self) -> None:
        self.bell = asyncio.Event()  # rung when a notice e-mail is committed
        self.sender: MailSender | None = None
        self.sink: SmtpSink | None = None

    async def start(self, runtime: ServiceRuntime) -> None:
        settings = cast(Settings, runtime.settings)
        if settings.smtp_sink_enabled:
            sink = SmtpSink(runtime.sessions, settings.smtp_sink_port)
            await sink.start()  # first: in the embedded default the sender delivers to it
            self.sink = sink
        self.sender = MailSender(runtime.sessions, settings, self.bell)
        self.sender.start()

    async def stop(self, runtime: ServiceRuntime) -> None:
        sender, self.sender = self.sender, None
        sink, self.sink = self.sink, None
        if sender is not None:
            await sender.stop()
        if sink is not None:
            await sink.stop()


def spec(*, sandbox: bool = False, workers: MailWorkers | None = None) -> ServiceSpec:
    workers = workers or MailWorkers()
    return ServiceSpec(
        name="notifications",
        package="notifications",
        title="Notifications",
        description="Notices inbox, e-mail, webhooks, system status and outage bulletins.",
        metadata=Base.metadata,
        tables=messaging,
        routers=[notices_router, *([sandbox_router] if sandbox else [])],
        subscriptions=lambda _: [recipient_events.subscription(), notice_events.subscription(workers.bell)],
        on_startup=[workers.start],
        on_shutdown=[workers.stop],
        openapi_tags=[
            {"name": "notices", "description": "The notices the portal posted to you: search, read, mark read."},
            {"name": "sandbox", "description": "Sandbox only (SANDBOX=1): what the local SMTP sink received."},
        ],
    )


def create_app(settings: Settings | None = None, *, publisher: Publisher | None = None) -> FastAPI:
    settings = settings or Settings()
    workers = MailWorkers()
    app = build_service_app(spec(sandbox=settings.sandbox, workers=workers), settings, publisher=publisher)
    app.state.mail_workers = workers
    return app
