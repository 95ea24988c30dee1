"""Prometheus metrics per service: request latency by route template, plus the outbox and consumer counters."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self, component: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["component", "method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "http_server_errors_total", "Responses with status >= 500", ["component", "route"], registry=self.registry
        )
        self.component = component
        # Labelled histograms by (method, route, status): Histogram.labels validates and joins its labels on
        # each call, a cost of every request.
        self._latency: dict[tuple[str, str, int], Any] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        child = self._latency.get(key)
        if child is None:
            child = self._latency[key] = self.requests.labels(self.component, method, route, str(status))
        child.observe(seconds)
        if status >= 500:
            self.errors.labels(self.component, route).inc()

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def _route_template(scope: Scope) -> str:
    """The template of the route that served the request, as the router left it in the scope; never the path
    itself (a label per business number and user would grow the registry without bound)."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            # An app that routes by its own table (the gateway) names the matched template in the scope's state.
            route = scope.get("state", {}).get("route_template") or _route_template(scope)
            self.metrics.observe(scope["method"], route, status, time.perf_counter() - start)


class MessagingCollector:
    """Exposes the relay's and the consumers' counters, read at scrape time (no bookkeeping in hot paths)."""

    def __init__(self, component: str, relay: Any, subscriptions: Callable[[], list[Any]]) -> None:
        self.component = component
        self.relay = relay
        self.subscriptions = subscriptions

    def collect(self) -> Iterator[Metric]:
        published = CounterMetricFamily(
            "outbox_published", "Outbox events acknowledged by the broker", labels=["component"]
        )
        published.add_metric([self.component], self.relay.published_total)
        failures = CounterMetricFamily(
            "outbox_publish_failures", "Relay passes that hit a broker error", labels=["component"]
        )
        failures.add_metric([self.component], self.relay.failures_total)
        consumed = CounterMetricFamily(
            "consumer_events",
            "Events handled by consumers, by outcome",
            labels=["component", "subscription", "outcome"],
        )
        for subscription in self.subscriptions():
            for outcome, value in subscription.stats.items():
                consumed.add_metric([self.component, subscription.name, outcome], value)
        yield from (published, failures, consumed)


class ContextTokensCollector:
    """The context verifier's outcomes, read at scrape time: tokens whose signature was verified, and tokens
    recognised as already verified (the hit rate of its cache)."""

    def __init__(self, component: str, verifier: Any) -> None:
        self.component = component
        self.verifier = verifier

    def collect(self) -> Iterator[Metric]:
        tokens = CounterMetricFamily(
            "context_tokens", "Internal context tokens accepted, by outcome", labels=["component", "outcome"]
        )
        tokens.add_metric([self.component, "verified"], self.verifier.verified)
        tokens.add_metric([self.component, "cached"], self.verifier.cached)
        yield tokens
