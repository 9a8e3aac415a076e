"""``mcp-harness fault kill|stop|freeze|thaw|cpu-hog|restart POD``: pod faults on a running ``up``.

The faults are applied by the launcher of ``mcp-harness up`` (process or netns runner) through its
pod-fault API; this command finds that API from ``--api``, ``$MCPH_FAULT_API`` or the ``fault_api`` key
of an ``--endpoints`` file written by ``up``. ``fault list`` prints the pods. An unknown pod or fault,
an unreachable API or missing options exit with code 2 and say why.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import httpx
import typer

from harness.launch.pod_faults import PodFault

ACTIONS = (*(f.value for f in PodFault), "list")


def fault_api_url(api: str | None, endpoints: Path | None) -> str:
    if api:
        return api.rstrip("/")
    if os.environ.get("MCPH_FAULT_API"):
        return os.environ["MCPH_FAULT_API"].rstrip("/")
    if endpoints is not None:
        try:
            url = json.loads(endpoints.read_text()).get("fault_api")
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read {endpoints}: {exc}") from None
        if url:
            return str(url).rstrip("/")
        raise ValueError(f"{endpoints} has no fault_api (was up started with --runner process or netns?)")
    raise ValueError("say where the pod-fault API is: --api URL, $MCPH_FAULT_API or --endpoints FILE")


def register(app: typer.Typer) -> None:
    @app.command("fault")
    def fault(
        action: Annotated[str, typer.Argument(help=" | ".join(ACTIONS))],
        pod: Annotated[str | None, typer.Argument(help="service name, e.g. wallet")] = None,
        api: Annotated[str | None, typer.Option(help="pod-fault API URL (printed by up)")] = None,
        endpoints: Annotated[
            Path | None, typer.Option(help="endpoints file written by up --endpoints")
        ] = None,
        duration: Annotated[float, typer.Option(help="cpu-hog: seconds to burn")] = 10.0,
        workers: Annotated[int, typer.Option(help="cpu-hog: busy processes")] = 1,
    ) -> None:
        """Kill, stop, freeze, thaw, CPU-hog or restart one service process of a running deployment."""
        if action not in ACTIONS:
            typer.echo(f"error: unknown fault {action!r}; choose from {', '.join(ACTIONS)}", err=True)
            raise typer.Exit(2)
        if action != "list" and not pod:
            typer.echo(f"error: fault {action} needs a POD (e.g. wallet)", err=True)
            raise typer.Exit(2)
        try:
            url = fault_api_url(api, endpoints)
            with httpx.Client(timeout=30) as http:
                if action == "list":
                    response = http.get(f"{url}/pods")
                else:
                    body = {"duration_s": duration, "workers": workers}
                    response = http.post(f"{url}/pods/{pod}/faults/{action}", json=body)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except httpx.HTTPError as exc:
            typer.echo(f"error: the pod-fault API at {url} does not answer: {exc}", err=True)
            raise typer.Exit(2) from None
        if response.status_code != 200:
            typer.echo(f"error: {response.json().get('error', response.text)}", err=True)
            raise typer.Exit(2)
        data = response.json()
        if action == "list":
            for row in data["pods"]:
                typer.echo(
                    f"{row['name']:<12} pid {row['pid']!s:<8} {row['state']:<8} "
                    f"restarts {row['restarts']}  {row['log']}"
                )
        else:
            typer.echo(f"{data['fault']} {data['pod']} (pid {data['pid']}): {data['detail']}")
