"""HTTP API for pod faults, served by the launcher next to the Toxiproxy-compatible proxy API.

* ``GET  /pods``                        every pod: name, pid, state, restarts, restart policy, log file
* ``POST /pods/{name}/faults/{fault}``  apply ``kill|stop|freeze|thaw|cpu-hog|restart``; optional JSON body
  ``{"duration_s": 10, "workers": 1}`` (cpu-hog) → 200 with what was done
* errors: 404 unknown pod, 400 unknown fault / bad body / nothing running, as ``{"error": ..., "status": ...}``
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.launch.pod_faults import BadFault, FaultParams, PodFaults, UnknownPod
from servers.common.asgi_serving import serve_asgi


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


def create_fault_api(faults: PodFaults) -> Starlette:
    async def list_pods(request: Request) -> JSONResponse:
        return JSONResponse({"pods": [pod.describe() for pod in faults.supervisor.pods.values()]})

    async def apply(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            params = FaultParams.model_validate(json.loads(raw) if raw.strip() else {})
        except (ValueError, ValidationError) as exc:
            return _error(400, f"bad fault parameters: {exc}")
        try:
            result = await faults.apply(request.path_params["fault"], request.path_params["name"], params)
        except UnknownPod as exc:
            return _error(404, exc.message)
        except BadFault as exc:
            return _error(400, str(exc))
        return JSONResponse(result.model_dump(mode="json"))

    return Starlette(
        routes=[
            Route("/pods", list_pods, methods=["GET"]),
            Route("/pods/{name}/faults/{fault}", apply, methods=["POST"]),
        ]
    )


@asynccontextmanager
async def running_fault_api(faults: PodFaults, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve the API until the block exits; yields its base URL."""
    async with serve_asgi(create_fault_api(faults), host, port) as listening:
        yield listening.base_url
