"""The largest request target and header section the gateway accepts, answered as problems.

uvicorn (httptools) sets no limit of its own: measured, a 60 KB query string and a 1 MB header both reached the
application, to be parsed, logged and forwarded. The gateway refuses them first, as RFC 9110 and RFC 6585 describe:
a target (path and query) longer than ``GATEWAY_MAX_URL_BYTES`` is a 414 ``uri_too_long``, a header section (names
and values) larger than ``GATEWAY_MAX_HEADER_BYTES`` a 431 ``request_header_fields_too_large``. Both are problems
with the request id, counted and logged like any answer; nothing is authenticated or forwarded. The memory of
reading them is spent before the gateway sees them: an ingress in front should cap them too.

The defaults (8 KiB, 32 KiB) are those most proxies apply, above anything the API needs: its longest legitimate
targets are list queries with a cursor, its largest headers a bearer token.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from portal_gateway.errors import HeaderFieldsTooLarge, UriTooLong
from portal_runtime.problems import PortalError, portal_error_response


class RequestHeadLimits:
    """Refuses a request whose target or header section is over its limit, before anything else reads it."""

    def __init__(self, app: ASGIApp, max_url_bytes: int, max_header_bytes: int) -> None:
        self.app = app
        self.max_url_bytes = max_url_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = self.refusal(scope)
            if refused is not None:
                await portal_error_response(refused)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope) -> PortalError | None:
        query = scope.get("query_string", b"")
        target = len(scope.get("raw_path") or scope["path"].encode()) + (len(query) + 1 if query else 0)  # "?"
        if target > self.max_url_bytes:
            return UriTooLong(target, self.max_url_bytes)
        size = 0
        for name, value in scope["headers"]:
            size += len(name) + len(value)
        if size > self.max_header_bytes:
            return HeaderFieldsTooLarge(size, self.max_header_bytes)
        return None
