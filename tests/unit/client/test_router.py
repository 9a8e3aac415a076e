"""Namespacing, routing back to the original name, collisions and annotations."""

from __future__ import annotations

import mcp_types as types
import pytest

from client.errors import ToolCollision, ToolNotFound
from client.router import ToolRouter


def tool(name: str, read_only: bool | None = None, idempotent: bool | None = None) -> types.Tool:
    annotations = types.ToolAnnotations(read_only_hint=read_only, idempotent_hint=idempotent)
    return types.Tool(name=name, input_schema={"type": "object"}, annotations=annotations)


def test_tools_are_exposed_namespaced_and_routed_to_their_owner() -> None:
    router = ToolRouter()
    router.rebuild({"weather": [tool("get_weather")], "wallet": [tool("get_balance")]})
    route = router.resolve("wallet__get_balance")
    assert (route.upstream, route.original_name, route.tool.name) == (
        "wallet",
        "get_balance",
        "wallet__get_balance",
    )
    assert sorted(r.name for r in router.tools()) == ["wallet__get_balance", "weather__get_weather"]


def test_unknown_and_plain_names_are_not_found() -> None:
    router = ToolRouter()
    router.rebuild({"weather": [tool("get_weather")]})
    with pytest.raises(ToolNotFound, match="get_weather"):
        router.resolve("get_weather")


def test_separator_is_configurable() -> None:
    router = ToolRouter(separator="-")
    router.rebuild({"weather": [tool("get_weather")]})
    assert router.resolve("weather-get_weather").original_name == "get_weather"


def test_annotations_are_kept_and_decide_whether_a_retry_is_safe() -> None:
    router = ToolRouter()
    router.rebuild(
        {"wallet": [tool("get_balance", read_only=True), tool("transfer", idempotent=True), tool("deposit")]}
    )
    assert router.resolve("wallet__get_balance").tool.annotations.read_only_hint is True  # type: ignore[union-attr]
    assert router.resolve("wallet__get_balance").safe_to_repeat
    assert router.resolve("wallet__transfer").safe_to_repeat
    assert not router.resolve("wallet__deposit").safe_to_repeat


def test_shared_tool_name_is_reported_and_kept_apart_under_prefix_policy() -> None:
    router = ToolRouter(policy="prefix")
    router.rebuild({"weather": [tool("health")], "wallet": [tool("health")]})
    router.check_collisions()
    assert [c.describe() for c in router.collisions] == ["tool name 'health' offered by weather, wallet"]
    assert router.resolve("weather__health").upstream == "weather"
    assert router.resolve("wallet__health").upstream == "wallet"


def test_fail_policy_refuses_a_collision_at_start_up() -> None:
    router = ToolRouter(policy="fail")
    router.rebuild({"weather": [tool("health")], "wallet": [tool("health")]})
    with pytest.raises(ToolCollision, match="health"):
        router.check_collisions()


def test_identical_namespaced_names_keep_the_first_owner_and_are_reported() -> None:
    router = ToolRouter()
    router.rebuild({"a": [tool("b__c")], "a__b": [tool("c")]})
    assert router.resolve("a__b__c").upstream == "a"
    assert any(c.exposed and c.name == "a__b__c" for c in router.collisions)
