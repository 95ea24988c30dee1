"""Counters of what went wrong behind the gateway (the latency histograms are in portal_runtime.metrics and
portal_gateway.proxy)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from portal_runtime.problems import PortalError


class UpstreamErrors:
    """Requests that failed because a component did: unreachable, too slow, broken answer, or its own 5xx."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.errors = Counter(
            "gateway_upstream_errors_total",
            "Requests failed by a component behind the gateway, by component and problem code (http_5xx: the "
            "component's own error answer)",
            ["component", "code"],
            registry=registry,
        )

    def failed(self, exc: PortalError) -> None:
        component = exc.extra.get("component")
        if component and exc.status >= 500:
            self.errors.labels(str(component), exc.code).inc()

    def answered(self, service: str, status: int) -> None:
        if status >= 500:
            self.errors.labels(service, f"http_{status}").inc()
