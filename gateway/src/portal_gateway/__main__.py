"""``python -m gateway``: the gateway under uvicorn on ``GATEWAY_HOST``:``GATEWAY_PORT`` (127.0.0.1:8000)."""

from __future__ import annotations

from typing import Any

import uvicorn

from portal_gateway.config import Settings
from portal_gateway.edge import edge_protocol


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the gateway (``uvicorn.run``'s keyword arguments, the app apart)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        "access_log": False,  # costs ~25% throughput; the gateway's own JSON access log says more
        "server_header": False,
        "timeout_graceful_shutdown": settings.shutdown_grace_s,
        # The gateway is the public edge: X-Forwarded-* is believed only from configured load balancers.
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": settings.trusted_proxies or None,
        # uvicorn's httptools protocol, bounding request heads (time, size) and stalled bodies (portal_gateway.edge).
        "http": edge_protocol(
            settings.max_url_bytes,
            settings.max_header_bytes,
            settings.request_head_timeout_s,
            settings.request_body_timeout_s,
        ),
    }


def main() -> None:
    # The app (and its settings) are built in the server process, never at import.
    uvicorn.run("portal_gateway.main:create_app", factory=True, **uvicorn_options(Settings()))


if __name__ == "__main__":
    main()
