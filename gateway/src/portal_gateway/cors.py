"""Cross-origin requests (CORS) from the browser apps of third-party portal frontends, answered at the edge.

Off unless origins are configured (``GATEWAY_CORS_ALLOWED_ORIGINS``): then starlette's ``CORSMiddleware`` answers
preflights itself (no token, no upstream call, not rate limited) and marks every answer to an allowed origin,
problems included, so that a browser app can read a 401, 403 or 429 and its headers. Credentials are bearer
tokens sent by the app, never cookies: ``Access-Control-Allow-Credentials`` is not sent.

A refused preflight is a problem naming what was refused (the origin, the method, or which request headers)
instead of starlette's plain text; preflights are labelled ``preflight`` in the metrics and the access log.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from portal_gateway.accesslog import ROUTE_TEMPLATE
from portal_runtime.problems import PortalError, portal_error_response

# Request headers a browser app may send beyond the CORS-safelisted ones.
ALLOWED_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "X-Request-ID",
    "Accept-Language",
    "traceparent",
    "tracestate",
)
# Response headers a browser app may read beyond the safelisted ones: what the API documents on its answers.
EXPOSED_RESPONSE_HEADERS = (
    "Location",
    "ETag",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
    "WWW-Authenticate",
    "X-Request-ID",
)
PREFLIGHT_ROUTE = "preflight"


class CorsRefused(PortalError):
    status, code, title = 400, "cors_refused", "Cross-origin request refused"
    title_fr = "Requête d'origine croisée refusée"


def check_origin(origin: str) -> str:
    """``origin`` if it is ``*`` or a serialised origin (``scheme://host[:port]``, nothing after); else ValueError
    naming it (a trailing slash or a path would never equal the ``Origin`` a browser sends)."""
    if origin == "*":
        return origin
    parts = urlsplit(origin)
    if parts.scheme not in {"http", "https"} or not parts.hostname or origin != f"{parts.scheme}://{parts.netloc}":
        raise ValueError(f"CORS origin {origin!r} is not of the form scheme://host[:port] (no path, no slash)")
    return origin


class EdgeCors(CORSMiddleware):
    """starlette's CORS middleware, with refused preflights as problems and preflights labelled for metrics."""

    def __init__(
        self, app: object, allow_origins: Collection[str], allow_methods: Collection[str], max_age: int
    ) -> None:
        super().__init__(
            app,  # type: ignore[arg-type]
            allow_origins=allow_origins,
            allow_methods=allow_methods,
            allow_headers=ALLOWED_REQUEST_HEADERS,
            expose_headers=EXPOSED_RESPONSE_HEADERS,
            allow_credentials=False,
            max_age=max_age,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers(scope=scope)
            if "origin" in headers and "access-control-request-method" in headers:
                scope.setdefault("state", {})[ROUTE_TEMPLATE] = PREFLIGHT_ROUTE
        await super().__call__(scope, receive, send)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        detail, detail_fr = self._refusal(request_headers)
        problem = portal_error_response(CorsRefused(detail, fr=detail_fr))
        for name, value in response.headers.items():
            if name.startswith("access-control-") or name == "vary":
                problem.headers[name] = value
        return problem

    def _refusal(self, request_headers: Headers) -> tuple[str, str]:
        """What was refused, in English and in French."""
        refused: list[tuple[str, str]] = []
        origin = request_headers["origin"]
        if not self.is_allowed_origin(origin=origin):
            refused.append((f"the origin {origin} is not allowed", f"l'origine {origin} n'est pas permise"))
        method = request_headers["access-control-request-method"]
        if method not in self.allow_methods:
            refused.append((f"the method {method} is not allowed", f"la méthode {method} n'est pas permise"))
        requested = [h.strip().lower() for h in request_headers.get("access-control-request-headers", "").split(",")]
        headers = [h for h in requested if h and h not in self.allow_headers]
        if headers:
            listed = ", ".join(headers)
            refused.append(
                (
                    f"these request headers are not allowed: {listed}",
                    f"ces en-têtes de requête ne sont pas permis : {listed}",
                )
            )
        if "access-control-request-private-network" in request_headers:
            refused.append(("private network access is not allowed", "l'accès au réseau privé n'est pas permis"))
        if not refused:
            return "The preflight request was refused.", "La requête de prévérification a été refusée."
        return _sentence(en for en, _ in refused), _sentence(fr for _, fr in refused)


def _sentence(parts: Iterable[str]) -> str:
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
