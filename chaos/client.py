"""A small typed async client of the Toxiproxy HTTP API (the embedded proxy or a real Toxiproxy).

Why not toxiproxy-python: it is synchronous, updates with the deprecated POST, maps errors by status
only, returns nothing from ``add_toxic`` and has no request timeouts. This one returns pydantic models
(unknown keys such as Toxiproxy's leaked ``"Logger": {}`` are ignored), raises typed exceptions that
carry the status and the server's message, and bounds every request by a timeout.

Exceptions::

    ToxiproxyError            any failure talking to the API
    ├── ToxiproxyUnreachable  connection refused, timeout, malformed reply
    └── ToxiproxyApiError     the server answered with an error status (.status, .message)
        ├── BadRequest (400)  ├── NotFound (404)  ├── AlreadyExists (409)  └── ServerError (5xx)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ToxicModel(BaseModel):
    """A toxic as the API returns it."""

    model_config = ConfigDict(extra="ignore")

    name: str
    type: str
    stream: str = "downstream"
    toxicity: float = 1.0
    attributes: dict[str, Any] = Field(default_factory=dict)


class ProxyModel(BaseModel):
    """A proxy as the API returns it; ``listen`` is the address actually bound."""

    model_config = ConfigDict(extra="ignore")

    name: str
    listen: str
    upstream: str
    enabled: bool
    toxics: list[ToxicModel] = Field(default_factory=list)

    @property
    def listen_host(self) -> str:
        host = self.listen.rpartition(":")[0]
        return host[1:-1] if host.startswith("[") else host

    @property
    def listen_port(self) -> int:
        return int(self.listen.rpartition(":")[2])


class ToxiproxyError(Exception):
    """Any failure of a call to the proxy API."""


class ToxiproxyUnreachable(ToxiproxyError):
    """The API could not be reached in time, or its reply made no sense."""


class ToxiproxyApiError(ToxiproxyError):
    """The API answered with an error status; ``message`` is the server's own ``error`` text."""

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.body = body


class BadRequest(ToxiproxyApiError):
    pass


class NotFound(ToxiproxyApiError):
    pass


class AlreadyExists(ToxiproxyApiError):
    pass


class ServerError(ToxiproxyApiError):
    pass


_BY_STATUS: dict[int, type[ToxiproxyApiError]] = {400: BadRequest, 404: NotFound, 409: AlreadyExists}


def api_error(response: httpx.Response) -> ToxiproxyApiError:
    """The typed error for an error response (its JSON body may be sent as text/plain)."""
    body: Any = None
    message = response.text.strip()
    try:
        body = json.loads(response.text)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            message = body["error"]
    except ValueError:
        pass
    status = response.status_code
    error_type = _BY_STATUS.get(status, ServerError if status >= 500 else ToxiproxyApiError)
    return error_type(status, message, body)


def _segment(name: str) -> str:
    return quote(name, safe="")


class ToxiproxyClient:
    """``async with ToxiproxyClient("http://127.0.0.1:8474") as toxiproxy: ...``"""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout_s, transport=transport)

    async def __aenter__(self) -> ToxiproxyClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.TimeoutException as exc:
            raise ToxiproxyUnreachable(f"{method} {self.base_url}{path}: timed out") from exc
        except httpx.HTTPError as exc:
            raise ToxiproxyUnreachable(f"{method} {self.base_url}{path}: {exc}") from exc
        if response.status_code >= 400:
            raise api_error(response)
        return response

    @staticmethod
    def _parse(model: type[ProxyModel] | type[ToxicModel], data: Any) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise ToxiproxyUnreachable(f"unexpected reply: {exc}") from exc

    # server ----------------------------------------------------------------------------------
    async def version(self) -> str:
        text = (await self._request("GET", "/version")).text
        match = re.search(r"\d+\.\d+\.\d+[\w.+-]*", text)  # JSON, or plain text before 2.6
        if match is None:
            raise ToxiproxyUnreachable(f"unexpected /version reply: {text!r}")
        return match.group(0)

    async def reset(self) -> None:
        await self._request("POST", "/reset")

    async def populate(self, proxies: Sequence[Mapping[str, Any]]) -> list[ProxyModel]:
        """Create or replace proxies from ``[{name, upstream, listen, enabled}]``; keeps matching ones."""
        data = (await self._request("POST", "/populate", [dict(p) for p in proxies])).json()
        return [self._parse(ProxyModel, item) for item in data.get("proxies") or []]

    # proxies ---------------------------------------------------------------------------------
    async def list_proxies(self) -> dict[str, ProxyModel]:
        data = (await self._request("GET", "/proxies")).json()
        return {name: self._parse(ProxyModel, item) for name, item in data.items()}

    async def create_proxy(
        self, name: str, upstream: str, listen: str = "127.0.0.1:0", enabled: bool = True
    ) -> ProxyModel:
        body = {"name": name, "upstream": upstream, "listen": listen, "enabled": enabled}
        return self._parse(ProxyModel, (await self._request("POST", "/proxies", body)).json())

    async def get_proxy(self, name: str) -> ProxyModel:
        return self._parse(ProxyModel, (await self._request("GET", f"/proxies/{_segment(name)}")).json())

    async def update_proxy(
        self,
        name: str,
        *,
        listen: str | None = None,
        upstream: str | None = None,
        enabled: bool | None = None,
    ) -> ProxyModel:
        body = {
            key: value
            for key, value in (("listen", listen), ("upstream", upstream), ("enabled", enabled))
            if value is not None
        }
        response = await self._request("PATCH", f"/proxies/{_segment(name)}", body)
        return self._parse(ProxyModel, response.json())

    async def enable_proxy(self, name: str) -> ProxyModel:
        return await self.update_proxy(name, enabled=True)

    async def disable_proxy(self, name: str) -> ProxyModel:
        """Stop listening and close every connection of the proxy."""
        return await self.update_proxy(name, enabled=False)

    async def delete_proxy(self, name: str) -> None:
        await self._request("DELETE", f"/proxies/{_segment(name)}")

    # toxics ----------------------------------------------------------------------------------
    async def list_toxics(self, proxy: str) -> list[ToxicModel]:
        data = (await self._request("GET", f"/proxies/{_segment(proxy)}/toxics")).json()
        return [self._parse(ToxicModel, item) for item in data]

    async def get_toxic(self, proxy: str, toxic: str) -> ToxicModel:
        path = f"/proxies/{_segment(proxy)}/toxics/{_segment(toxic)}"
        return self._parse(ToxicModel, (await self._request("GET", path)).json())

    async def add_toxic(
        self,
        proxy: str,
        type: str,
        *,
        name: str | None = None,
        stream: str = "downstream",
        toxicity: float = 1.0,
        attributes: Mapping[str, Any] | None = None,
    ) -> ToxicModel:
        body: dict[str, Any] = {"type": type, "stream": stream, "toxicity": toxicity}
        if name is not None:
            body["name"] = name
        body["attributes"] = dict(attributes or {})
        response = await self._request("POST", f"/proxies/{_segment(proxy)}/toxics", body)
        return self._parse(ToxicModel, response.json())

    async def update_toxic(
        self,
        proxy: str,
        toxic: str,
        *,
        attributes: Mapping[str, Any] | None = None,
        toxicity: float | None = None,
    ) -> ToxicModel:
        """PATCH: ``attributes`` are merged into the toxic's; toxicity is kept unless given."""
        body: dict[str, Any] = {}
        if attributes is not None:
            body["attributes"] = dict(attributes)
        if toxicity is not None:
            body["toxicity"] = toxicity
        path = f"/proxies/{_segment(proxy)}/toxics/{_segment(toxic)}"
        return self._parse(ToxicModel, (await self._request("PATCH", path, body)).json())

    async def remove_toxic(self, proxy: str, toxic: str) -> None:
        await self._request("DELETE", f"/proxies/{_segment(proxy)}/toxics/{_segment(toxic)}")
