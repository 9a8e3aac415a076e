"""Entry point of one service process: ``python -m harness.launch.service CONFIG.json``.

The launcher builds every service's settings object from the same :class:`~harness.topology.Topology`
as the in-process runner and hands it to the child as a JSON file (not ``MCPH_*`` env vars: nested lists
such as the client's upstreams and the gateway's API keys round-trip through JSON exactly, and the
file is left beside the log for anyone reproducing a run). SIGTERM or SIGINT stops the service cleanly
with exit code 0; a bad config is exit code 2 with the reason on stderr. Each role imports only what it
serves, inside :func:`serve_one`: a pod's start-up (and restart) costs its imports, under its CPU limit too.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any, Literal

import anyio
from pydantic import BaseModel, ValidationError

from servers.common.asgi_serving import serve_asgi
from servers.common.settings import TlsSettings

ServiceRole = Literal["server", "client", "gateway", "fake", "fakeredis", "proxy"]


class ServiceConfig(BaseModel):
    """What one child needs: which service, its settings (as the settings model's fields), TLS to serve."""

    role: ServiceRole
    name: str
    settings: dict[str, Any]
    serve_tls: TlsSettings | None = None  # client/gateway/fake; servers carry TLS in their own settings


async def serve_one(config: ServiceConfig, stop: anyio.Event) -> None:
    """Serve until ``stop`` is set; leaving the serving contexts normally lets uvicorn shut down gracefully."""
    if config.role == "server":
        from client.tracing import Tracing
        from servers.common.runner import serve_http
        from servers.registry import server_spec

        spec = server_spec(config.name)
        settings = spec.settings_type(**config.settings)
        tracer = Tracing.for_service(config.name).tracer
        async with spec.open(settings) as server, serve_http(server, settings, tracer):
            await stop.wait()
    if config.role == "proxy":  # what `mcp-harness proxy --config` runs, without loading every CLI command
        await serve_proxy(config.settings, stop)
        return
    if config.role == "fakeredis":  # where Debian's redis-server is missing
        await serve_fakeredis(config.settings["host"], int(config.settings["port"]), stop)
        return
    app: Any
    if config.role == "client":
        from client.app import create_client_app
        from client.settings import ClientSettings

        app = create_client_app(ClientSettings(**config.settings))
    elif config.role == "gateway":
        from client.gateway import create_gateway_app
        from client.settings import GatewaySettings

        app = create_gateway_app(GatewaySettings(**config.settings))
    else:
        from harness.fakes.weather_api import create_weather_api

        app = create_weather_api().app
    host, port = config.settings["host"], int(config.settings["port"])
    async with serve_asgi(app, host, port, tls=config.serve_tls, log_level="warning"):
        await stop.wait()


async def serve_proxy(fields: dict[str, Any], stop: anyio.Event) -> None:
    import asyncio

    from chaos.settings import ChaosSettings
    from harness.commands.proxy import load_config, serve

    settings = ChaosSettings(
        proxy_api_host=fields["host"], proxy_api_port=int(fields["port"]), proxy_seed=fields.get("seed")
    )
    stopped = asyncio.Event()
    async with anyio.create_task_group() as tg:

        async def relay_stop() -> None:
            await stop.wait()
            stopped.set()

        tg.start_soon(relay_stop)
        await serve(settings, load_config(Path(fields["config"])), stopped)
        tg.cancel_scope.cancel()


async def serve_fakeredis(host: str, port: int, stop: anyio.Event) -> None:
    import threading

    import fakeredis

    server = fakeredis.TcpFakeServer((host, port))
    threading.Thread(target=server.serve_forever, name="fakeredis-tcp", daemon=True).start()
    try:
        await stop.wait()
    finally:
        server.shutdown()
        server.server_close()


async def run_until_signalled(config: ServiceConfig) -> None:
    stop = anyio.Event()
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with anyio.create_task_group() as tg:

            async def serve_then_stop_listening() -> None:
                await serve_one(config, stop)
                tg.cancel_scope.cancel()

            tg.start_soon(serve_then_stop_listening)
            async for signum in signals:
                print(f"{config.name}: signal {signum}, stopping", file=sys.stderr, flush=True)
                stop.set()
                break


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m harness.launch.service CONFIG.json", file=sys.stderr)
        return 2
    try:
        config = ServiceConfig.model_validate(json.loads(Path(argv[0]).read_text()))
    except (OSError, ValueError, ValidationError) as exc:
        print(f"error: bad service config {argv[0]}: {exc}", file=sys.stderr)
        return 2
    print(f"{config.name}: starting ({config.role})", file=sys.stderr, flush=True)
    anyio.run(run_until_signalled, config)
    print(f"{config.name}: stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
