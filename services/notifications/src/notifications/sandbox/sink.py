"""The local SMTP sink: an aiosmtpd server that stores every message it receives in ``sandbox_mail``.

aiosmtpd's :class:`Controller` serves SMTP on an event loop of its own, in its own thread. The database engine
(aiosqlite or asyncpg connections) belongs to the service's loop and must not be used from another one, so the
handler hands each parsed message to the service loop with :func:`asyncio.run_coroutine_threadsafe` and awaits
the result before answering. The client gets ``250`` only once the message is committed, and a ``451`` (retry
later) if it could not be stored: the sink loses nothing it acknowledged, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifications.sandbox import repository
from notifications.sandbox.service import ReceivedMail, received_mails
from portal_runtime.messaging import utcnow

log = logging.getLogger(__name__)

Store = Callable[[Sequence[ReceivedMail]], Coroutine[Any, Any, None]]


class MailboxHandler:
    """aiosmtpd handler; runs on the sink's loop, stores on the service's loop."""

    def __init__(self, store: Store, service_loop: asyncio.AbstractEventLoop) -> None:
        self._store = store
        self._service_loop = service_loop

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        try:
            content = envelope.original_content or envelope.content
            mails = received_mails(
                envelope.mail_from,
                envelope.rcpt_tos,
                content if isinstance(content, bytes) else str(content).encode(),
                utcnow(),
            )
        except Exception as exc:
            log.warning("SMTP sink: unreadable message from %s: %s", envelope.mail_from, exc)
            return "554 Transaction failed: the message could not be parsed"
        try:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._store(mails), self._service_loop))
        except Exception as exc:
            log.error("SMTP sink: could not store a message for %s: %s", envelope.rcpt_tos, exc)
            return "451 Requested action aborted: local error in processing"
        return "250 Message accepted for delivery"


class SmtpSink:
    """Started and stopped by the service (see ``notifications.main``); listens on 127.0.0.1 only."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], port: int, host: str = "127.0.0.1") -> None:
        self._sessions = sessions
        self.host = host
        self.port = port
        self._controller: Controller | None = None

    async def _store(self, mails: Sequence[ReceivedMail]) -> None:
        async with self._sessions() as session, session.begin():
            repository.add_all(session, mails)

    async def start(self) -> None:
        handler = MailboxHandler(self._store, asyncio.get_running_loop())
        controller = Controller(handler, hostname=self.host, port=self.port, data_size_limit=10 * 1024 * 1024)
        # start() blocks until the sink answers a test connection: wait in a worker thread, not on this loop.
        await asyncio.to_thread(controller.start)
        self._controller = controller
        log.info("SMTP sink listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            # stop() joins the sink's thread, which may be waiting on this loop for a store to finish.
            await asyncio.to_thread(controller.stop)
