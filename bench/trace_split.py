"""Where the milliseconds of a call go, per hop, from its trace: gateway → client → server spans.

A hop's own time is its span minus the span of the hop it called: the gateway's includes reading the
caller's request and the wire to the client, the client's the wire to the server. In process the spans
are read from :data:`client.tracing.RECORDER`; on the process runner each service exports over OTLP/HTTP
to :func:`otlp_receiver`, a small collector in the benchmark process that decodes the protobuf.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from client.tracing import SpanRecorder
from servers.common.asgi_serving import serve_asgi

HOPS = ("gateway", "client", "server")


@dataclass(frozen=True)
class SpanTimes:
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    start_ns: int
    end_ns: int


@dataclass
class CollectedSpans:
    spans: list[SpanTimes] = field(default_factory=list)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)  # by span id: tool, upstream…
    arrived: anyio.Event = field(default_factory=anyio.Event)

    def notify(self) -> None:
        self.arrived.set()
        self.arrived = anyio.Event()

    async def wait_for_traces(self, count: int, timeout_s: float) -> None:
        """Until ``count`` complete traces arrived, or ``timeout_s`` passed."""
        with anyio.move_on_after(timeout_s):
            while len(self.by_trace()) < count:
                await self.arrived.wait()

    def by_trace(self) -> dict[str, dict[str, SpanTimes]]:
        traces: dict[str, dict[str, SpanTimes]] = defaultdict(dict)
        for span in self.spans:
            traces[span.trace_id][span.name] = span
        return {tid: hops for tid, hops in traces.items() if set(HOPS) <= set(hops)}


def from_recorder(recorder: SpanRecorder) -> CollectedSpans:
    collected = CollectedSpans()
    for span in recorder.spans:
        if span.context is None:
            continue
        span_id = format(span.context.span_id, "016x")
        collected.attributes[span_id] = {k: str(v) for k, v in (span.attributes or {}).items()}
        collected.spans.append(
            SpanTimes(
                format(span.context.trace_id, "032x"),
                format(span.context.span_id, "016x"),
                format(span.parent.span_id, "016x") if span.parent else "",
                span.name,
                span.start_time or 0,
                span.end_time or 0,
            )
        )
    return collected


@asynccontextmanager
async def otlp_receiver() -> AsyncIterator[tuple[str, CollectedSpans]]:
    """An OTLP/HTTP (protobuf) traces endpoint on loopback; yields its URL and what it received."""
    collected = CollectedSpans()

    async def traces(request: Request) -> Response:
        export = ExportTraceServiceRequest()
        export.ParseFromString(await request.body())
        for resource_spans in export.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                for s in scope_spans.spans:
                    collected.attributes[s.span_id.hex()] = {
                        a.key: a.value.string_value for a in s.attributes
                    }
                    collected.spans.append(
                        SpanTimes(
                            s.trace_id.hex(),
                            s.span_id.hex(),
                            s.parent_span_id.hex(),
                            s.name,
                            s.start_time_unix_nano,
                            s.end_time_unix_nano,
                        )
                    )
        collected.notify()
        return Response(b"", media_type="application/x-protobuf")

    app = Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])
    async with serve_asgi(app) as listening:
        yield f"{listening.base_url}/v1/traces", collected


def hop_split_ms(collected: CollectedSpans) -> dict[str, float]:
    """Median own time per hop (ms) over every complete trace, and the number of traces."""
    own: dict[str, list[float]] = defaultdict(list)
    for hops in collected.by_trace().values():
        gateway, client, server = hops["gateway"], hops["client"], hops["server"]
        assert client.parent_id == gateway.span_id and server.parent_id == client.span_id
        own["gateway"].append((gateway.end_ns - gateway.start_ns - (client.end_ns - client.start_ns)) / 1e6)
        own["client"].append((client.end_ns - client.start_ns - (server.end_ns - server.start_ns)) / 1e6)
        own["server"].append((server.end_ns - server.start_ns) / 1e6)
        own["total"].append((gateway.end_ns - gateway.start_ns) / 1e6)
    split = {hop: statistics.median(values) for hop, values in own.items()}
    split["traces"] = float(len(own["total"]))
    return split
