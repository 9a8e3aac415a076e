"""`mcp-harness proxy`: the embedded Toxiproxy-compatible server, standalone (like ``toxiproxy-server``).

``--config FILE`` loads proxies at start (Toxiproxy's populate format: a JSON array of
``{name, upstream, listen, enabled}``); ``--seed`` makes toxicity rolls and jitter repeatable. A bad
config file or a busy port is a message and exit code 2; Ctrl-C (or SIGTERM) stops cleanly with 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

import typer

from chaos.api import parse_proxy_configs, running_proxy_api
from chaos.collection import ProxyCollection, ProxyConfig
from chaos.errors import ApiError
from chaos.settings import ChaosSettings


class ProxyStartupError(Exception):
    """The proxy cannot start as asked (the message says why)."""


def load_config(path: Path) -> list[ProxyConfig]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProxyStartupError(f"cannot read config {path}: {exc.strerror or exc}") from None
    try:
        return parse_proxy_configs(raw)
    except ApiError as exc:
        raise ProxyStartupError(f"invalid config {path}: {exc.detail or exc.message}") from None


async def serve(settings: ChaosSettings, configs: list[ProxyConfig], stop: asyncio.Event) -> None:
    collection = ProxyCollection(settings)
    try:
        async with running_proxy_api(collection, settings.proxy_api_host, settings.proxy_api_port) as url:
            try:
                made = await collection.populate(configs)
            except ApiError as exc:
                raise ProxyStartupError(f"cannot create proxies from config: {exc.message}") from None
            typer.echo(f"Toxiproxy-compatible API listening on {url}")
            for proxy in made:
                typer.echo(f"  proxy {proxy.name}: {proxy.listen} -> {proxy.upstream}")
            await stop.wait()
    except OSError as exc:
        where = f"{settings.proxy_api_host}:{settings.proxy_api_port}"
        raise ProxyStartupError(f"cannot listen on {where}: {exc.strerror or exc}") from None


async def run_until_signalled(settings: ChaosSettings, configs: list[ProxyConfig]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    await serve(settings, configs, stop)


def register(app: typer.Typer) -> None:
    @app.command("proxy", help="Run the Toxiproxy-compatible fault proxy and its HTTP API.")
    def proxy(
        host: str = typer.Option(None, help="API host [default: 127.0.0.1]"),
        port: int = typer.Option(None, min=0, max=65535, help="API port [default: 8474]"),
        config: Path = typer.Option(None, help="JSON array of proxies to create at start (populate format)"),
        seed: int = typer.Option(None, help="Seed of toxicity rolls, jitter and slicer offsets"),
    ) -> None:
        overrides: dict[str, object] = {}
        if host is not None:
            overrides["proxy_api_host"] = host
        if port is not None:
            overrides["proxy_api_port"] = port
        if seed is not None:
            overrides["proxy_seed"] = seed
        settings = ChaosSettings(**overrides)  # type: ignore[arg-type]
        try:
            configs = load_config(config) if config is not None else []
            asyncio.run(run_until_signalled(settings, configs))
        except ProxyStartupError as exc:
            typer.echo(f"mcp-harness proxy: {exc}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            pass
