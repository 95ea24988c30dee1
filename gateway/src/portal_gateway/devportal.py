"""The developer portal: Swagger UI on the aggregated OpenAPI document, from assets vendored in this package.

The page and everything it loads come from the gateway itself (``swagger_ui/``, see its SOURCE.md): no CDN, no
validator badge, no font or analytics host. Its Content-Security-Policy says so to the browser as well, so a
future asset that reaches out elsewhere is blocked (and shows up in the browser test) rather than leaking the
integrator's visit.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

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

    @router.get(f"{ASSETS_PATH}/{{name}}", summary="A Swagger UI asset", response_class=FileResponse)
    async def asset(name: str) -> FileResponse:
        media_type = ASSETS.get(name)
        if media_type is None:
            raise NotFound(f"No documentation asset {name}.", code="asset_not_found")
        headers = {**SECURITY_HEADERS, "Cache-Control": ASSET_CACHE}
        return FileResponse(ASSETS_DIR / name, media_type=media_type, headers=headers)

    return router
