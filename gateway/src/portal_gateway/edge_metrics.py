"""Counters of what went wrong behind the gateway, and at its edge (the latency histograms are in
portal_runtime.metrics and portal_gateway.proxy)."""

from __future__ import annotations

from typing import Literal, get_args

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


# The key under which the gateway's lifespan state (ASGI ``state``, which uvicorn hands its connections as
# ``app_state``) holds its :class:`EdgeRefusals`: the connections, built by uvicorn before and apart from the app,
# find the app's registry there.
EDGE_REFUSALS_STATE = "portal_gateway.edge_refusals"
EdgeRefusalReason = Literal["idle_connection", "head_timeout", "head_too_large", "body_timeout"]


class EdgeRefusals:
    """What the gateway's connections end before the app has a request to answer (``portal_gateway.edge``): none of
    it reaches the access log or the latency histograms, which only see requests the app was given."""

    REASONS: tuple[EdgeRefusalReason, ...] = get_args(EdgeRefusalReason)

    def __init__(self, registry: CollectorRegistry) -> None:
        self.refusals = Counter(
            "gateway_edge_refusals_total",
            "Connections the gateway ended at the HTTP level, by reason: idle_connection (nothing sent within the "
            "head timeout, closed silently), head_timeout (408: part of a request head, not completed in time), "
            "head_too_large (431 before the head was buffered), body_timeout (408: a request body stalled)",
            ["reason"],
            registry=registry,
        )
        for reason in self.REASONS:  # every series from the start: a rate over a series that appears later misleads
            self.refusals.labels(reason)

    def refused(self, reason: EdgeRefusalReason) -> None:
        self.refusals.labels(reason).inc()
