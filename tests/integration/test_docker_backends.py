"""Real Mongo and Redis in containers, selected by configuration; without a Docker engine: a skip with the reason."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import anyio
import pytest

from harness.launch import containers
from harness.launch.connect import connect_server
from servers.common.settings import MongoSettings, RedisSettings
from servers.wallet.server import WALLET
from servers.wallet.settings import WalletSettings


class FakeDockerClient:
    def __init__(self, ping_error: Exception | None) -> None:
        self.ping_error = ping_error

    def ping(self) -> bool:
        if self.ping_error:
            raise self.ping_error
        return True

    def close(self) -> None:
        pass


def test_unavailable_engine_is_reported_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    import docker

    def no_daemon(**_: Any) -> Any:
        raise docker.errors.DockerException("Error while fetching server API version: no such file")

    monkeypatch.setattr(docker, "from_env", no_daemon)
    reason = containers.docker_unavailable_reason()
    assert reason is not None and "no Docker engine answers" in reason and "no such file" in reason
    with pytest.raises(containers.DockerUnavailable, match="no Docker engine"), containers.redis_container():
        pass


def test_answering_engine_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    import docker

    monkeypatch.setattr(docker, "from_env", lambda **_: FakeDockerClient(None))
    assert containers.docker_unavailable_reason() is None


def test_up_with_docker_backends_exits_2_with_the_reason_when_no_engine() -> None:
    if containers.docker_unavailable_reason() is None:
        pytest.skip("a Docker engine answers here; the refusal path cannot be shown")
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "up", "--backends", "docker"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--backends docker needs a Docker engine" in result.stderr


@pytest.mark.docker
@pytest.mark.anyio
async def test_wallet_on_real_mongo_and_redis(docker_mongo_url: str, docker_redis_url: str) -> None:
    settings = WalletSettings(
        mongo=MongoSettings(url=docker_mongo_url, database="wallet_docker_test"),
        redis=RedisSettings(url=docker_redis_url),
    )
    with anyio.fail_after(120):
        async with connect_server(WALLET, settings, "http") as client:
            deposit = await client.call_tool(
                "deposit", {"account": "a", "amount": 500, "idempotency_key": "d1"}
            )
            assert not deposit.is_error, deposit.content
            again = await client.call_tool(
                "deposit", {"account": "a", "amount": 500, "idempotency_key": "d1"}
            )
            assert again.structured_content and again.structured_content["replayed"] is True
            audit = await client.call_tool("audit", {})
            assert audit.structured_content and audit.structured_content["ok"] is True
            health = await client.call_tool("health", {})
            assert health.structured_content and health.structured_content["status"] == "ok"
