"""The internal APIs services call on each other (``/internal/...``): authenticated by a shared key.

The gateway never routes ``/internal/``; network isolation is the first fence and the key the second, so a
compromised workload outside the stack cannot register businesses through the feed or ask for decisions.
"""

from __future__ import annotations

import hmac

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from portal_runtime.problems import problem_response
from portal_runtime.telemetry import instrument_client

INTERNAL_PREFIX = "/internal/"
KEY_HEADER = "x-internal-key"


def internal_headers(key: str) -> dict[str, str]:
    return {KEY_HEADER: key} if key else {}


def new_internal_client(
    base_url: str, key: str, *, timeout_s: float, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """A pooled client for one other service's internal API, carrying the key on every call (and the trace
    context, when tracing is on)."""
    return instrument_client(
        httpx.AsyncClient(
            base_url=base_url,
            headers=internal_headers(key),
            timeout=timeout_s,
            transport=transport,
            trust_env=False,
            follow_redirects=False,
        )
    )


class InternalKeyMiddleware:
    """Refuses ``/internal/...`` calls without the shared key (when one is configured)."""

    def __init__(self, app: ASGIApp, key: str) -> None:
        self.app = app
        self.key = key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.key and scope["type"] == "http" and scope["path"].startswith(INTERNAL_PREFIX):
            given = next((v for k, v in scope["headers"] if k == KEY_HEADER.encode()), b"")
            if not hmac.compare_digest(given, self.key):
                response = problem_response(
                    401,
                    "internal_key_required",
                    "Internal API",
                    "Internal APIs answer other services of the stack only.",
                    title_fr="API interne",
                    detail_fr="Les API internes ne répondent qu'aux autres services de la plateforme.",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
