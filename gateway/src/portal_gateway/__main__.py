"""``python -m gateway``: the gateway under uvicorn on ``GATEWAY_HOST``:``GATEWAY_PORT`` (127.0.0.1:8000)."""

from __future__ import annotations

import uvicorn

from portal_gateway.config import Settings


def main() -> None:
    settings = Settings()
    uvicorn.run(
        "portal_gateway.main:create_app",
        factory=True,  # the app (and its settings) are built in the server process, never at import
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,  # costs ~25% throughput; the metrics and request ids cover what it would tell
        server_header=False,
        # The gateway is the public edge: X-Forwarded-* is believed only from configured load balancers.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
    )


if __name__ == "__main__":
    main()
