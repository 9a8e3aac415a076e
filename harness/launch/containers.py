"""Real Mongo and Redis in Docker containers (testcontainers), for when embedded backends are not enough.

Selected by configuration (``mcp-harness up --backends docker``, the ``docker_mongo_url`` /
``docker_redis_url`` fixtures). Where no Docker engine answers — these CI machines have the docker CLI
but no daemon — :func:`docker_unavailable_reason` says so and callers skip or exit with that reason;
nothing is faked.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MONGO_IMAGE = "mongo:7"
REDIS_IMAGE = "redis:7"


class DockerUnavailable(RuntimeError):
    """No Docker engine (or testcontainers) here; the message says which."""


def docker_unavailable_reason() -> str | None:
    """None when a Docker engine answers a ping; otherwise why not (gate on the daemon, not the CLI)."""
    try:
        import docker
    except ImportError:
        return "the docker extra is not installed (pip install 'mcp-harness[docker]')"
    try:
        client = docker.from_env(timeout=5)
        client.ping()
        client.close()
    except Exception as exc:  # docker raises several unrelated types for "no daemon"
        return f"no Docker engine answers ({type(exc).__name__}: {str(exc)[:120]})"
    return None


def _module(name: str) -> Any:
    """testcontainers 4.15 moved modules under ``community``; older releases have them at the top."""
    try:
        return importlib.import_module(f"testcontainers.community.{name}")
    except ImportError:
        return importlib.import_module(f"testcontainers.{name}")


def _require_docker() -> None:
    reason = docker_unavailable_reason()
    if reason is not None:
        raise DockerUnavailable(reason)
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")


@contextmanager
def mongo_container(image: str = MONGO_IMAGE) -> Iterator[str]:
    """A throwaway MongoDB; yields its connection URL."""
    _require_docker()
    container = _module("mongodb").MongoDbContainer(image)
    with container:
        yield str(container.get_connection_url())


@contextmanager
def redis_container(image: str = REDIS_IMAGE) -> Iterator[str]:
    """A throwaway Redis; yields its URL."""
    _require_docker()
    container = _module("redis").RedisContainer(image)
    with container:
        host = container.get_container_host_ip()
        port = container.get_exposed_port(6379)
        yield f"redis://{host}:{port}/0"
