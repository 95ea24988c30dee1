"""The largest request body the gateway accepts (``GATEWAY_MAX_REQUEST_BODY_BYTES``), enforced whatever reads it.

A declared ``Content-Length`` over the limit is refused before anything else is done (no token check, no call
to a service). A body without one (chunked) is counted as it is received: past the limit the receive raises
:class:`~portal_gateway.errors.PayloadTooLarge`, whoever is reading -- the proxy streaming it to the service (the
service then sees the request break off, and never handles it) or the store-and-forward queue buffering it (nothing
is queued). Either way the caller gets the 413 problem, not the 502 the broken upstream call would otherwise be.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Message, Receive

from portal_gateway.errors import PayloadTooLarge


class BodyLimit:
    """The request's receive channel, counting body bytes; ``exceeded`` once the limit was passed."""

    __slots__ = ("_receive", "_received", "exceeded", "max_bytes")

    def __init__(self, receive: Receive, max_bytes: int) -> None:
        self._receive = receive
        self._received = 0
        self.max_bytes = max_bytes
        self.exceeded = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self.max_bytes:
                self.exceeded = True
                raise PayloadTooLarge(self.max_bytes)
        return message


def limited(request: Request, max_bytes: int) -> tuple[Request, BodyLimit]:
    """``request`` reading its body through a :class:`BodyLimit`; a declared length over it is refused now."""
    limit = BodyLimit(request.receive, max_bytes)
    limited_request = Request(request.scope, limit.receive)  # its headers are parsed once, here, for the rest too
    declared = limited_request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(max_bytes)
    return limited_request, limit
