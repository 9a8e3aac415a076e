"""``mcp-harness up``: the whole embedded deployment on loopback until Ctrl-C.

Gateway → client → three servers + the fake weather API, every edge through a named fault proxy (the
Toxiproxy-compatible API's URL is printed), Redis on a real socket. By default the client→server edges
and the gateway→client edge are mTLS (one CA per edge): only the gateway reaches the client, only the
client reaches the servers; ``--no-mtls`` makes them plain HTTP. With ``MCPH_TOXIPROXY_URL`` the proxies
are created in that (real) Toxiproxy instead of an embedded one.
"""

from __future__ import annotations

import json
import signal
import tempfile
from pathlib import Path
from typing import Annotated

import anyio
import typer
from rich.console import Console
from rich.table import Table

from chaos.settings import ChaosSettings
from harness.launch.cgroups import CpuLimitUnavailable
from harness.launch.options import Deployment, LaunchOptions, RedisChoice
from harness.launch.process import ProcessDeployment, ProcessOptions
from harness.launch.runners import RUNNERS, RunnerName, RunnerUnavailable, launch_with, parse_runner
from harness.launch.supervisor import PodNotReady
from harness.topology import reference_topology


def endpoints_table(deployment: Deployment) -> Table:
    e = deployment.endpoints
    table = Table(title="mcp-harness: embedded deployment", show_lines=False)
    table.add_column("service")
    table.add_column("endpoint")
    client_access = "internal, mTLS: gateway only" if e.client_tls else "internal, plain HTTP"
    rows: list[tuple[str, str | None]] = [
        ("gateway (public, API key)", e.gateway),
        (f"client ({client_access})", e.client),
    ]
    rows += [(f"{name} server (mTLS)", url) for name, url in e.servers.items()]
    rows += [("weather API (fake)", e.weather_api), ("fault proxy API", e.proxy_api), ("redis", e.redis)]
    rows += [(f"proxy {name}", listen) for name, listen in e.proxies.items()]
    for name, value in rows:
        if value:
            table.add_row(name, value)
    return table


def pods_table(deployment: ProcessDeployment) -> Table:
    """One row per service process: what `ps` shows, and where its log is."""
    table = Table(title="mcp-harness: service processes (restart policy Always)")
    for column in ("service", "pid", "state", "log"):
        table.add_column(column)
    for row in deployment.pod_rows():
        table.add_row(row.name, str(row.pid), row.state, row.log)
    return table


async def serve_until_signalled(
    options: LaunchOptions, endpoints_file: Path | None, console: Console, runner: RunnerName = "process"
) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        run_dir = Path(tempfile.mkdtemp(prefix="mcp-harness-up-")) if runner != "inprocess" else None
        async with launch_with(runner, options, ProcessOptions(run_dir=run_dir)) as deployment:
            console.print(endpoints_table(deployment))
            if isinstance(deployment, ProcessDeployment):
                console.print(pods_table(deployment))
                fault_api = getattr(deployment.endpoints, "fault_api", None)
                console.print(f"pod faults: mcp-harness fault kill wallet --api {fault_api}")
            console.print(f"dev API key: [bold]{deployment.endpoints.api_key}[/bold]")
            if deployment.endpoints.tls:
                console.print(f"client TLS material: {deployment.endpoints.tls.model_dump()}")
            if deployment.endpoints.client_tls:
                console.print(f"gateway→client TLS material: {deployment.endpoints.client_tls.model_dump()}")
            if endpoints_file is not None:
                payload = deployment.endpoints.model_dump(mode="json")
                await anyio.Path(endpoints_file).write_text(json.dumps(payload, indent=2) + "\n")
                console.print(f"endpoints written to {endpoints_file}")
            console.print("running; Ctrl-C to stop")
            async for _ in signals:
                break
            console.print("stopping…")
    console.print("stopped")


def register(app: typer.Typer) -> None:
    @app.command("up")
    def up(
        endpoints: Annotated[
            Path | None, typer.Option("--endpoints", help="write the endpoints as JSON to this file")
        ] = None,
        proxies: Annotated[bool, typer.Option(help="route every edge through a named fault proxy")] = True,
        mtls: Annotated[bool, typer.Option(help="mTLS on client→server and gateway→client edges")] = True,
        redis: Annotated[
            str, typer.Option(help="auto | real | fake: Redis on a socket for the wallet")
        ] = "auto",
        seed: Annotated[int, typer.Option(help="seed of the fault proxies' randomness")] = 7,
        backends: Annotated[
            str, typer.Option(help="embedded (in-memory Mongo/Redis) | docker (real ones via testcontainers)")
        ] = "embedded",
        runner: Annotated[
            str,
            typer.Option(
                help=f"{' | '.join(RUNNERS)}: one OS process per service (default), one loop, or namespaces"
            ),
        ] = "process",
    ) -> None:
        """Start gateway, client, the three servers and the fake weather API on loopback."""
        console = Console()
        if redis not in ("auto", "real", "fake"):
            typer.echo(f"error: --redis must be auto, real or fake, not {redis!r}", err=True)
            raise typer.Exit(2)
        if endpoints is not None and not endpoints.parent.exists():
            typer.echo(f"error: directory {endpoints.parent} does not exist", err=True)
            raise typer.Exit(2)
        if backends not in ("embedded", "docker"):
            typer.echo(f"error: --backends must be embedded or docker, not {backends!r}", err=True)
            raise typer.Exit(2)
        if backends == "docker":
            from harness.launch.containers import docker_unavailable_reason

            reason = docker_unavailable_reason()
            if reason is not None:
                typer.echo(f"error: --backends docker needs a Docker engine: {reason}", err=True)
                raise typer.Exit(2)
        try:
            chosen_runner = parse_runner(runner)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        if backends == "docker" and chosen_runner != "inprocess":
            typer.echo("error: --backends docker runs with --runner inprocess only", err=True)
            raise typer.Exit(2)
        choice: RedisChoice = "real" if redis == "real" else "fake" if redis == "fake" else "auto"
        options = LaunchOptions(  # under netns the firewall, not fault proxies, sits on every edge
            topology=reference_topology(proxied=proxies and chosen_runner != "netns", redis_socket=True),
            mtls=mtls,
            redis=choice,
            proxy_seed=seed,
            toxiproxy_url=ChaosSettings().toxiproxy_url,  # MCPH_TOXIPROXY_URL: a real Toxiproxy's proxies
        )
        try:
            anyio.run(serve_until_signalled, options, endpoints, console, chosen_runner)
        except (RunnerUnavailable, PodNotReady, CpuLimitUnavailable) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        except OSError as exc:
            typer.echo(f"error: cannot start the deployment: {exc}", err=True)
            raise typer.Exit(2) from exc
