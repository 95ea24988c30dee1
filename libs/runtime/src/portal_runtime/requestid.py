"""Request ids: taken from ``X-Request-ID`` when a caller (or the gateway) sent a sane one, else generated; and
the language the answer's problems are written in, from ``Accept-Language``."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal_runtime.language import current_language, preferred_language
from portal_runtime.telemetry import tag_request_id

log = logging.getLogger(__name__)
HEADER = "x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
current_request_id: ContextVar[str] = ContextVar("request_id", default="")


def new_request_id() -> str:
    return uuid.uuid4().hex


def _is_internal_error(exc: BaseException) -> bool:
    """Whether ``exc``, escaping a request's handling, is an error to answer with the 500 problem: any
    :class:`Exception`, and a :class:`asyncio.CancelledError` that no cancellation of the request's own task sent.

    Such a stray CancelledError escapes from a task or future the request awaited and something else cancelled (a
    child of ``asyncio.gather`` ends cancelled: gather raises CancelledError in its caller). Left alone it reaches the
    server, whose 500 is plain text, without the request id. A real cancellation of the task (shutdown, a timeout
    around the request) counts in ``Task.cancelling()`` and must propagate unchanged, as must the other
    BaseExceptions (KeyboardInterrupt, SystemExit, GeneratorExit)."""
    if isinstance(exc, Exception):
        return True
    if isinstance(exc, asyncio.CancelledError):
        task = asyncio.current_task()
        return task is not None and task.cancelling() == 0
    return False


class RequestIdMiddleware:
    """Pure ASGI middleware: sets :data:`current_request_id` and echoes it as a response header; sets
    :data:`portal_runtime.language.current_language` when the request has an ``Accept-Language``. The outermost
    guard of the services and the gateway: what escapes a request unanswered is the 500 problem here
    (:func:`_is_internal_error` says what)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming, accept_language = "", None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
            elif name == b"accept-language":
                accept_language = value.decode("latin-1")
        request_id = incoming if _SANE.match(incoming) else new_request_id()
        token = current_request_id.set(request_id)
        language = current_language.set(preferred_language(accept_language)) if accept_language else None
        tag_request_id(request_id)
        scope.setdefault("state", {})["request_id"] = request_id

        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException as exc:
            if not _is_internal_error(exc):
                raise
            # Rendered here, inside the request id's scope, so the 500 problem carries the id to quote.
            log.exception("unhandled error (request %s)", request_id)
            if started:
                raise
            from portal_runtime.problems import internal_error_response

            await internal_error_response()(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)
            if language is not None:
                current_language.reset(language)
