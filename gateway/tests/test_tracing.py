"""OpenTelemetry: one trace from the gateway's server span, through its httpx client span, to the service's server
span (W3C traceparent), with the request id on the server spans. Off unless configured."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.util._once import Once

from portal_gateway.pools import HttpxUpstream, UpstreamTransport, upstream
from portal_runtime.telemetry import COMPONENT_ATTRIBUTE, REQUEST_ID_ATTRIBUTE, setup_tracing, tracing_active

if TYPE_CHECKING:
    from portal_gateway.tests.conftest import Stack


def _reset_global_tracer_provider() -> None:
    # The API lets a process set its provider once; tests put back the unset state so other tests run untraced.
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """A tracer provider recording into memory, installed before the apps are built (as opentelemetry-instrument
    or an exporter setting would)."""
    assert not tracing_active(), "another test left a tracer provider installed"
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    try:
        yield exporter
    finally:
        provider.shutdown()
        _reset_global_tracer_provider()


def only(found: list[ReadableSpan], what: str) -> ReadableSpan:
    assert len(found) == 1, f"{what}: {[(s.name, s.kind, dict(s.attributes or {})) for s in found]}"
    return found[0]


async def test_one_trace_spans_the_gateway_and_the_service(
    spans: InMemorySpanExporter, make_stack: Callable[..., AbstractAsyncContextManager[Stack]]
) -> None:
    async with make_stack() as stack:
        response = await stack.client.get("/v1/oauth/jwks", headers={"X-Request-ID": "trace-req-0001"})
        assert response.status_code == 200
    finished = spans.get_finished_spans()

    def server(component: str) -> ReadableSpan:
        return only(
            [
                s
                for s in finished
                if s.kind is SpanKind.SERVER and (s.attributes or {}).get(COMPONENT_ATTRIBUTE) == component
            ],
            f"{component} server span",
        )

    gateway, identity = server("gateway"), server("identity")
    client = only(
        [s for s in finished if s.kind is SpanKind.CLIENT and s.parent and s.parent.span_id == gateway.context.span_id],
        "gateway client span",
    )
    assert gateway.name == "GET /v1/oauth/jwks"  # the operation, not the catch-all route
    assert gateway.attributes is not None and gateway.attributes["http.route"] == "/v1/oauth/jwks"
    assert gateway.context.trace_id == client.context.trace_id == identity.context.trace_id
    assert identity.parent is not None and identity.parent.span_id == client.context.span_id
    assert identity.parent.is_remote  # it came in with the traceparent header
    for span in (gateway, identity):
        assert span.attributes is not None and span.attributes[REQUEST_ID_ATTRIBUTE] == "trace-req-0001"


def test_tracing_is_off_without_an_exporter(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert setup_tracing("gateway") is False
    assert not tracing_active()


def test_an_otlp_endpoint_turns_tracing_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_SDK_DISABLED", raising=False)
    try:
        assert setup_tracing("gateway", "http://127.0.0.1:1") is True
        provider = trace.get_tracer_provider()
        assert isinstance(provider, TracerProvider)
        assert provider.resource.attributes["service.name"] == "gateway"
        monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
        assert setup_tracing("gateway", "http://127.0.0.1:1") is False
    finally:
        provider = trace.get_tracer_provider()
        if isinstance(provider, TracerProvider):
            provider.shutdown()
        _reset_global_tracer_provider()


def test_with_tracing_on_the_proxy_sends_through_the_traced_httpx_transport(spans: InMemorySpanExporter) -> None:
    # OpenTelemetry's httpx instrumentation wraps handle_async_request: the proxy's direct send would skip it.
    pool = UpstreamTransport(connections_per_upstream=1, max_connections=1, keepalive_expiry_s=1.0)
    assert tracing_active()
    assert isinstance(upstream(pool), HttpxUpstream)
