"""The developer portal: Swagger UI on the aggregated OpenAPI document, from assets vendored in this package.

The page and everything it loads come from the gateway itself (``swagger_ui/``, see its SOURCE.md): no CDN, no
validator badge, no font or analytics host. Its Content-Security-Policy says so to the browser as well, so a
future asset that reaches out elsewhere is blocked (and shows up in the browser test) rather than leaking the
integrator's visit.
"""

from __future__ import annotations

import gzip
import hashlib
import html
from functools import cached_property
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from portal_gateway.compression import accepts_gzip
from portal_runtime.problems import NotFound

ASSETS_DIR = Path(__file__).parent / "swagger_ui"
ASSETS_PATH = "/docs/swagger-ui"
# What the page may load: the files of ASSETS_DIR that a browser needs, by name (never a path from the request).
ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "portal-docs.js": "text/javascript; charset=utf-8",
    "oauth2-redirect.html": "text/html; charset=utf-8",
    "oauth2-redirect.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
# Swagger UI sets inline styles (React) and shows images as data: URIs; scripts only from files of this origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
ASSET_CACHE = "public, max-age=3600"


class StaticBody:
    """A body fixed for the life of the process (the aggregated OpenAPI document, the Swagger UI files), served in
    the form the caller accepts: as it is, or gzipped once and kept. The two forms are two representations, each with
    a strong ``ETag`` of its own; ``If-None-Match`` on the one the caller would get answers 304."""

    def __init__(self, body: bytes, media_type: str, headers: dict[str, str]) -> None:
        self.body = body
        self.media_type = media_type
        self.headers = headers
        self.etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'

    @cached_property
    def gzipped(self) -> bytes | None:
        """The gzip form (made on first use, level 9, no timestamp: the same bytes each time); None if no smaller."""
        packed = gzip.compress(self.body, compresslevel=9, mtime=0)
        return packed if len(packed) < len(self.body) else None

    def response(self, request: Request) -> Response:
        packed = self.gzipped if accepts_gzip(request.headers.getlist("accept-encoding")) else None
        etag = self.etag if packed is None else self.etag[:-1] + '-gzip"'
        headers = {**self.headers, "ETag": etag, "Vary": "Accept-Encoding"}
        if _none_match(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        if packed is not None:
            headers["Content-Encoding"] = "gzip"
        return Response(packed or self.body, media_type=self.media_type, headers=headers)


def _none_match(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 13.1.2: ``*``, or a list of tags compared weakly (``W/`` ignored)."""
    if if_none_match is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def docs_page(title: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" sizes="32x32" href="{ASSETS_PATH}/favicon-32x32.png">
<link rel="icon" type="image/png" sizes="16x16" href="{ASSETS_PATH}/favicon-16x16.png">
</head>
<body>
<noscript>The API documentation needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.
</noscript>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_PATH}/portal-docs.js"></script>
</body>
</html>
"""


def devportal_router(title: str = "CARM portal API") -> APIRouter:
    """``GET /docs`` and its assets; the document itself is served at ``/openapi.json`` by the caller."""
    router = APIRouter(tags=["operations"])
    page = docs_page(title)

    @router.get("/docs", summary="API documentation (Swagger UI) and the guide", response_class=HTMLResponse)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})

    assets: dict[str, StaticBody] = {}

    @router.get(f"{ASSETS_PATH}/{{name}}", summary="A Swagger UI asset", response_class=Response)
    async def asset(name: str, request: Request) -> Response:
        media_type = ASSETS.get(name)
        if media_type is None:
            raise NotFound(
                f"No documentation asset {name}.",
                fr=f"Il n'y a aucune ressource de documentation {name}.",
                code="asset_not_found",
            )
        if name not in assets:  # read once: the files do not change while the gateway runs
            headers = {**SECURITY_HEADERS, "Cache-Control": ASSET_CACHE}
            assets[name] = StaticBody((ASSETS_DIR / name).read_bytes(), media_type, headers)
        return assets[name].response(request)

    return router
