"""OpenTelemetry traces for the gateway and the services: server spans per request, client spans per httpx call,
W3C ``traceparent`` propagated on every call so one trace spans the gateway and the services behind it.

Off by default (no SDK, no middleware, no cost): tracing starts when an exporter is configured, by the setting
``OTLP_ENDPOINT`` (``<PREFIX>_OTLP_ENDPOINT`` or ``PORTAL_OTLP_ENDPOINT``, an OTLP/HTTP base URL such as
``http://collector:4318``) or by the standard variables ``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` or ``OTEL_TRACES_EXPORTER`` (``otlp`` or ``console``); ``OTEL_SDK_DISABLED=true``
turns it off whatever else is set. The other ``OTEL_*`` variables (headers, sampler, resource attributes, service
name) keep their standard meaning. A tracer provider already installed in the process (``opentelemetry-instrument``,
a test) is used as it is.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import httpx
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

log = logging.getLogger(__name__)

COMPONENT_ATTRIBUTE = "portal.component"
REQUEST_ID_ATTRIBUTE = "portal.request_id"
# Probes and scrapes would drown the traces that matter.
EXCLUDED_URLS = "/healthz,/readyz,/livez,/metrics"


def tracing_active() -> bool:
    """An SDK tracer provider is installed: spans are recorded (and exported)."""
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def _exporter(otlp_endpoint: str) -> SpanExporter | None:
    chosen = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if chosen == "none":
        return None
    if chosen == "console":
        return ConsoleSpanExporter()
    env_endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if otlp_endpoint or env_endpoint or chosen == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # The setting is a base URL, like OTEL_EXPORTER_OTLP_ENDPOINT; without it the exporter reads the variables.
        return OTLPSpanExporter(endpoint=otlp_endpoint.rstrip("/") + "/v1/traces" if otlp_endpoint else None)
    return None


def setup_tracing(component: str, otlp_endpoint: str = "") -> bool:
    """Installs the process's tracer provider when an exporter is configured; True when spans are recorded."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if tracing_active():
        return True
    exporter = _exporter(otlp_endpoint)
    if exporter is None:
        return False
    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: component}
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    log.info("%s: tracing on, exporting with %s", component, type(exporter).__name__)
    return True


def instrument_app(app: FastAPI, component: str, otlp_endpoint: str = "") -> bool:
    """Server spans for every request of ``app`` (before its first request), when tracing is on."""
    if not setup_tracing(component, otlp_endpoint):
        return False
    # Imported only when used: the instrumentations take ~0.3 s to import, which untraced processes skip.
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    def on_request(span: Any, scope: dict[str, Any]) -> None:
        if span.is_recording():
            span.set_attribute(COMPONENT_ATTRIBUTE, component)

    FastAPIInstrumentor.instrument_app(
        app, server_request_hook=on_request, excluded_urls=EXCLUDED_URLS, exclude_spans=["receive", "send"]
    )
    return True


def instrument_client(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Client spans and ``traceparent`` on every call of ``client``, when tracing is on."""
    if tracing_active():
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor.instrument_client(client)
    return client


def name_server_span(method: str, route: str) -> None:
    """Names the current server span after the operation (apps that route by their own table, the gateway)."""
    span = trace.get_current_span()
    if span.is_recording():
        span.update_name(f"{method} {route}")
        span.set_attribute("http.route", route)


def tag_request_id(request_id: str) -> None:
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)
