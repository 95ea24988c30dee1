"""Tracing is off unless configured (no middleware, no instrumented clients); when on, a service's server span
continues the caller's trace from ``traceparent`` and carries the request id. Metrics take an app's own route
template when it names one."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.util._once import Once

from portal_runtime.metrics import Metrics, MetricsMiddleware
from portal_runtime.requestid import RequestIdMiddleware
from portal_runtime.telemetry import (
    COMPONENT_ATTRIBUTE,
    REQUEST_ID_ATTRIBUTE,
    instrument_app,
    instrument_client,
    tracing_active,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


def service_app() -> FastAPI:
    app = FastAPI()

    @app.get("/v1/things/{thing}")
    async def thing(thing: str) -> dict[str, str]:
        return {"thing": thing}

    app.add_middleware(RequestIdMiddleware)
    return app


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    try:
        yield exporter
    finally:
        provider.shutdown()
        trace._TRACER_PROVIDER_SET_ONCE = Once()  # back to "never set", so other tests run untraced
        trace._TRACER_PROVIDER = None


def test_without_configuration_nothing_is_instrumented(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    app = service_app()
    assert instrument_app(app, "things") is False
    assert len(app.user_middleware) == 1  # only the request id's
    client = instrument_client(httpx.AsyncClient())
    assert not getattr(client, "_is_instrumented_by_opentelemetry", False)
    assert not tracing_active()


async def test_a_service_continues_the_callers_trace_with_its_request_id(spans: InMemorySpanExporter) -> None:
    app = service_app()
    assert instrument_app(app, "things") is True
    headers = {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "x-request-id": "req-trace-0001"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://things.test") as client:
        assert (await client.get("/v1/things/42", headers=headers)).status_code == 200

    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert server.name == "GET /v1/things/{thing}"
    assert format(server.context.trace_id, "032x") == TRACE_ID
    assert server.parent is not None and format(server.parent.span_id, "016x") == PARENT_ID
    assert server.attributes is not None
    assert server.attributes[REQUEST_ID_ATTRIBUTE] == "req-trace-0001"
    assert server.attributes[COMPONENT_ATTRIBUTE] == "things"


async def test_metrics_use_the_route_template_an_app_names() -> None:
    app = FastAPI()
    metrics = Metrics("edge")

    @app.get("/{path:path}")
    async def catch_all(path: str, request: Request) -> dict[str, str]:
        request.scope.setdefault("state", {})["route_template"] = "/v1/things/{thing}"
        return {}

    app.add_middleware(MetricsMiddleware, metrics=metrics)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://edge.test") as client:
        await client.get("/v1/things/42")
    rendered = metrics.render().body.decode()
    assert 'route="/v1/things/{thing}"' in rendered
    assert "{path:path}" not in rendered


async def test_metrics_label_a_service_route_by_its_template_never_by_its_path() -> None:
    app = FastAPI()
    router = APIRouter()

    @router.get("/v1/businesses/{bn}/employees/{user_id}")
    async def employee(bn: str, user_id: str) -> dict[str, str]:
        return {}

    app.include_router(router)
    metrics = Metrics("things")
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://things.test") as client:
        for user in ("employee-1", "employee-2"):
            assert (await client.get(f"/v1/businesses/123456782/employees/{user}")).status_code == 200
        assert (await client.get("/v1/nothing/here")).status_code == 404
    rendered = metrics.render().body.decode()

    template = 'method="GET",route="/v1/businesses/{bn}/employees/{user_id}",status="200"} 2.0'
    assert f'http_request_duration_seconds_count{{component="things",{template}' in rendered
    assert 'route="unmatched",status="404"} 1.0' in rendered
    assert "123456782" not in rendered  # one series per route, not one per business and user
