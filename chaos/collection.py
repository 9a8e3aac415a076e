"""All proxies of one fault-proxy instance, usable in-process (a launcher) or behind the HTTP API.

Owns what Toxiproxy's ProxyCollection and ToxicCollection do: unique names, create/update/remove,
populate (check every item, then add or replace one by one, keeping what was made if one fails),
reset, and toxics with Toxiproxy's defaults and checks, in Toxiproxy's order. Failures are
:class:`~chaos.errors.ApiError` with the API's exact messages; the HTTP layer only maps them.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from chaos import errors
from chaos.errors import ApiError
from chaos.proxy import Proxy
from chaos.settings import ChaosSettings
from chaos.spec import STREAMS, Stream, ToxicSpec
from chaos.toxics import toxic_type


@dataclass(frozen=True)
class ProxyConfig:
    """What creating a proxy takes (a populate item, a config-file entry)."""

    name: str
    upstream: str
    listen: str = ""
    enabled: bool = True


class PopulateError(ApiError):
    """A populate that stopped part-way; ``proxies`` were made (or kept) before it failed."""

    def __init__(self, error: ApiError, proxies: list[Proxy] | None) -> None:
        super().__init__(error.kind, error.detail)
        self.proxies = proxies


def describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "attributes"
    return f"invalid attribute {where}: {first['msg']}"


class ProxyCollection:
    """Named proxies sharing one seeded RNG (toxicity rolls, jitter, slicer offsets)."""

    def __init__(self, settings: ChaosSettings | None = None, *, seed: int | None = None) -> None:
        self.settings = settings or ChaosSettings()
        chosen_seed = seed if seed is not None else self.settings.proxy_seed
        self.rng = random.Random(chosen_seed)
        self._proxies: dict[str, Proxy] = {}
        self._lock = asyncio.Lock()

    # proxies ---------------------------------------------------------------------------------
    def proxies(self) -> dict[str, Proxy]:
        return dict(self._proxies)

    def get(self, name: str) -> Proxy:
        proxy = self._proxies.get(name)
        if proxy is None:
            raise ApiError(errors.PROXY_NOT_FOUND)
        return proxy

    async def create(self, name: str, upstream: str, listen: str = "", enabled: bool = True) -> Proxy:
        if not name:
            raise ApiError(errors.MISSING_FIELD, "name")
        if not upstream:
            raise ApiError(errors.MISSING_FIELD, "upstream")
        async with self._lock:
            if name in self._proxies:
                raise ApiError(errors.PROXY_ALREADY_EXISTS)
            proxy = Proxy(name, listen, upstream, self.rng, self.settings)
            if enabled:
                await proxy.start()
            self._proxies[name] = proxy
            return proxy

    async def update(
        self,
        name: str,
        *,
        listen: str | None = None,
        upstream: str | None = None,
        enabled: bool | None = None,
    ) -> Proxy:
        async with self._lock:
            proxy = self.get(name)
            await proxy.update(
                listen if listen is not None else proxy.listen,
                upstream if upstream is not None else proxy.upstream,
                enabled if enabled is not None else proxy.enabled,
            )
            return proxy

    async def remove(self, name: str) -> None:
        async with self._lock:
            proxy = self.get(name)
            del self._proxies[name]
            await proxy.stop()

    async def populate(self, configs: Sequence[ProxyConfig]) -> list[Proxy]:
        for index, config in enumerate(configs, start=1):
            if not config.name:
                raise PopulateError(ApiError(errors.MISSING_FIELD, f"name at proxy {index}"), None)
            if not config.upstream:
                raise PopulateError(ApiError(errors.MISSING_FIELD, f"upstream at proxy {index}"), None)
        made: list[Proxy] = []
        async with self._lock:
            for config in configs:
                existing = self._proxies.get(config.name)
                if existing is not None:
                    if existing.listen == config.listen and existing.upstream == config.upstream:
                        made.append(existing)
                        continue
                    del self._proxies[config.name]
                    await existing.stop()
                proxy = Proxy(config.name, config.listen, config.upstream, self.rng, self.settings)
                try:
                    if config.enabled:
                        await proxy.start()
                except ApiError as exc:
                    raise PopulateError(exc, made) from None
                self._proxies[config.name] = proxy
                made.append(proxy)
        return made

    async def reset(self) -> None:
        """Re-enable every proxy and remove every toxic; proxies are kept."""
        async with self._lock:
            for proxy in list(self._proxies.values()):
                await proxy.start()
                await proxy.toxics.clear()

    async def close(self) -> None:
        async with self._lock:
            proxies, self._proxies = list(self._proxies.values()), {}
            for proxy in proxies:
                await proxy.stop()

    # toxics ----------------------------------------------------------------------------------
    async def add_toxic(
        self,
        proxy_name: str,
        *,
        type: str,
        name: str | None = None,
        stream: str = "downstream",
        toxicity: float = 1.0,
        attributes: Mapping[str, Any] | None = None,
    ) -> ToxicSpec:
        proxy = self.get(proxy_name)
        direction = stream.lower()
        if direction not in STREAMS:
            raise ApiError(errors.INVALID_STREAM)
        toxic_name = name or f"{type}_{direction}"
        toxic_class = toxic_type(type)
        if toxic_class is None:
            raise ApiError(errors.INVALID_TOXIC_TYPE)
        if proxy.toxics.find(toxic_name) is not None:
            raise ApiError(errors.TOXIC_ALREADY_EXISTS)
        try:
            toxic = toxic_class.model_validate(dict(attributes or {}))
        except ValidationError as exc:
            raise ApiError(errors.BAD_REQUEST_BODY, describe_validation_error(exc)) from None
        stream_name: Stream = "upstream" if direction == "upstream" else "downstream"
        spec = ToxicSpec(toxic_name, stream_name, float(toxicity), toxic)
        await proxy.toxics.add(spec)
        return spec

    def get_toxic(self, proxy_name: str, toxic_name: str) -> ToxicSpec:
        spec = self.get(proxy_name).toxics.find(toxic_name)
        if spec is None:
            raise ApiError(errors.TOXIC_NOT_FOUND)
        return spec

    async def update_toxic(
        self,
        proxy_name: str,
        toxic_name: str,
        *,
        attributes: Mapping[str, Any] | None = None,
        toxicity: float | None = None,
    ) -> ToxicSpec:
        """Merge ``attributes`` into the toxic's; keep its toxicity unless given (name/type/stream fixed)."""
        proxy = self.get(proxy_name)
        spec = self.get_toxic(proxy_name, toxic_name)
        merged = {**spec.toxic.model_dump(), **dict(attributes or {})}
        try:
            toxic = type(spec.toxic).model_validate(merged)
        except ValidationError as exc:
            raise ApiError(errors.BAD_REQUEST_BODY, describe_validation_error(exc)) from None
        updated = ToxicSpec(
            spec.name, spec.stream, spec.toxicity if toxicity is None else float(toxicity), toxic
        )
        await proxy.toxics.update(updated)
        return updated

    async def remove_toxic(self, proxy_name: str, toxic_name: str) -> None:
        proxy = self.get(proxy_name)
        self.get_toxic(proxy_name, toxic_name)
        await proxy.toxics.remove(toxic_name)
