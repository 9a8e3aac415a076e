"""One span per hop of a tool call (gateway → client → server), joined by a W3C ``traceparent``.

Each hop continues the trace its caller sent — the ``traceparent`` HTTP header, or on 2026-07-28 the
request's ``params._meta.traceparent`` (the spec's carrier) — opens one span named after the hop with
the tool, the upstream and the outcome as attributes (never the arguments: they may hold secrets and
personal data), and hands its own ``traceparent`` to the next hop in both carriers.

Spans go to the OpenTelemetry SDK: over OTLP/HTTP when ``MCPH_TRACING_OTLP_ENDPOINT`` is set, and to
:data:`RECORDER`, an in-process list the benchmark and the tests read to attribute each millisecond
of a call to a hop. Off (the default) a hop holds ``Tracing(None)``: every call site tests one
attribute and nothing is created, so tracing off costs nothing measurable.

The recorder is process-wide on purpose, like OpenTelemetry's own provider: in process, the three hops
of a test deployment share one process and their spans must land in one place to be joined.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

TRACEPARENT = "traceparent"
PROPAGATOR = TraceContextTextMapPropagator()


class TracingSettings(BaseSettings):
    """``MCPH_TRACING_ENABLED=1`` records spans; ``MCPH_TRACING_OTLP_ENDPOINT`` also exports them."""

    model_config = SettingsConfigDict(env_prefix="MCPH_TRACING_", extra="ignore")

    enabled: bool = False
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP traces URL, e.g. http://h:4318/v1/traces"
    )
    recorder_limit: int = Field(default=10_000, ge=1)

    @property
    def on(self) -> bool:
        return self.enabled or self.otlp_endpoint is not None


class SpanRecorder(SpanExporter):
    """Finished spans kept in memory (bounded), oldest dropped first."""

    def __init__(self, limit: int = 10_000) -> None:
        self.spans: deque[ReadableSpan] = deque(maxlen=limit)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans.extend(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def clear(self) -> None:
        self.spans.clear()

    def trace(self, trace_id: int) -> list[ReadableSpan]:
        return sorted((s for s in self.spans if s.context and s.context.trace_id == trace_id), key=start_of)


def start_of(span: ReadableSpan) -> int:
    return span.start_time or 0


RECORDER = SpanRecorder()
NO_SPAN: AbstractContextManager[None] = nullcontext()  # reusable: what a hop holds when tracing is off


@dataclass(frozen=True)
class Tracing:
    """A hop's tracer, or ``None`` when tracing is off."""

    tracer: trace.Tracer | None

    @classmethod
    def off(cls) -> Tracing:
        return cls(None)

    @classmethod
    def for_service(cls, service: str, settings: TracingSettings | None = None) -> Tracing:
        """The tracer of ``service`` (``gateway``, ``client``, ``wallet``…) from ``MCPH_TRACING_*``."""
        settings = settings or TracingSettings()
        if not settings.on:
            return cls.off()
        if RECORDER.spans.maxlen != settings.recorder_limit:
            RECORDER.spans = deque(RECORDER.spans, maxlen=settings.recorder_limit)
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(SimpleSpanProcessor(RECORDER))
        if settings.otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint)))
        return cls(provider.get_tracer("mcp-harness"))

    def hop(
        self, name: str, traceparent: str | None, attributes: Mapping[str, str]
    ) -> AbstractContextManager[HopSpan | None]:
        """A server-kind span continuing ``traceparent`` (a new trace without one); None when off."""
        if self.tracer is None:
            return NO_SPAN
        return self._span(self.tracer, name, traceparent, attributes)

    @staticmethod
    @contextmanager
    def _span(
        tracer: trace.Tracer, name: str, traceparent: str | None, attributes: Mapping[str, str]
    ) -> Iterator[HopSpan]:
        parent = PROPAGATOR.extract({TRACEPARENT: traceparent}) if traceparent else None
        with tracer.start_as_current_span(
            name,
            context=parent,
            kind=SpanKind.SERVER,
            attributes=dict(attributes),
            record_exception=False,  # an exception's message may quote arguments
        ) as span:
            yield HopSpan(span)


@dataclass(frozen=True)
class HopSpan:
    """The span of one hop: set its outcome, and the ``traceparent`` to send to the next hop."""

    span: Span

    @property
    def traceparent(self) -> str:
        carrier: dict[str, str] = {}
        PROPAGATOR.inject(carrier, context=trace.set_span_in_context(self.span))
        return carrier[TRACEPARENT]

    def set(self, key: str, value: str) -> None:
        self.span.set_attribute(key, value)

    def outcome(self, outcome: str) -> None:
        self.span.set_attribute("mcp.outcome", outcome)
        if outcome not in ("ok", "tool_error"):
            self.span.set_status(Status(StatusCode.ERROR, outcome))


def traceparent_in_meta(message: Mapping[str, Any]) -> str | None:
    """``params._meta.traceparent`` of a decoded JSON-RPC request, if it is a string."""
    params = message.get("params")
    meta = params.get("_meta") if isinstance(params, dict) else None
    value = meta.get(TRACEPARENT) if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def traceparent_in_body(body: bytes) -> str | None:
    """The same, from raw bytes; parses only bodies that mention a traceparent at all."""
    if b'"traceparent"' not in body:
        return None
    try:
        message = json.loads(body)
    except ValueError:
        return None
    return traceparent_in_meta(message) if isinstance(message, dict) else None


def outcome_of_answer(status: int, body: bytes) -> str:
    """A hop's outcome from the HTTP answer it gave: ok, tool_error, jsonrpc_error or http_<status>."""
    if status >= 400:
        return f"http_{status}"
    compact = body.replace(b" ", b"")
    if b'"isError":true' in compact:
        return "tool_error"
    return "jsonrpc_error" if b'"error":{' in compact else "ok"
