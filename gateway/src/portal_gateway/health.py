"""The stack's health as the gateway sees it: every service's readiness and the broker, checked concurrently."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import httpx
from aiokafka.client import AIOKafkaClient

BROKER = "broker"


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


async def check_service(http: httpx.AsyncClient, base_url: str, timeout_s: float) -> dict[str, Any]:
    """``GET /readyz``: ok, degraded (ready, but its broker is unreachable) or down; errors name the failure class,
    not internal addresses."""
    started = time.perf_counter()
    try:
        # asyncio.timeout as well as httpx's: it also bounds transports that ignore httpx timeouts.
        async with asyncio.timeout(timeout_s):
            response = await http.get(base_url.rstrip("/") + "/readyz", timeout=timeout_s)
    except (httpx.HTTPError, TimeoutError) as exc:
        return {"status": "down", "error": type(exc).__name__, "latency_ms": _elapsed_ms(started)}
    if response.status_code != 200:
        return {"status": "down", "http_status": response.status_code, "latency_ms": _elapsed_ms(started)}
    try:
        reported = response.json()
        status = "degraded" if reported.get("status") == "degraded" else "ok"
        down = sorted(name for name, check in reported.get("checks", {}).items() if check.get("status") == "down")
    except (ValueError, AttributeError):
        return {"status": "down", "error": "InvalidReadiness", "latency_ms": _elapsed_ms(started)}
    result: dict[str, Any] = {"status": status, "latency_ms": _elapsed_ms(started)}
    if down:
        result["down"] = down
    return result


async def check_broker(bootstrap_servers: str, timeout_s: float) -> dict[str, Any]:
    """A Kafka metadata request: the broker accepts connections and answers the protocol."""
    started = time.perf_counter()
    client = AIOKafkaClient(
        bootstrap_servers=bootstrap_servers, client_id="gateway-health", request_timeout_ms=int(timeout_s * 1000)
    )
    try:
        async with asyncio.timeout(timeout_s):
            await client.bootstrap()
        return {"status": "ok", "brokers": len(client.cluster.brokers()), "latency_ms": _elapsed_ms(started)}
    except Exception as exc:  # aiokafka raises KafkaError, OSError or TimeoutError, all meaning "down"
        return {"status": "down", "error": type(exc).__name__, "latency_ms": _elapsed_ms(started)}
    finally:
        await client.close()


async def stack_health(
    http: httpx.AsyncClient, services: Mapping[str, str], bootstrap_servers: str, timeout_s: float
) -> tuple[bool, dict[str, Any]]:
    """(all ok, the JSON body of ``/healthz``)."""
    names = list(services)
    results = await asyncio.gather(
        *(check_service(http, services[name], timeout_s) for name in names),
        check_broker(bootstrap_servers, timeout_s),
    )
    components = dict(zip([*names, BROKER], results, strict=True))
    healthy = all(c["status"] == "ok" for c in components.values())
    return healthy, {"status": "ok" if healthy else "degraded", "components": components}
