"""The Toxiproxy-compatible HTTP API over a :class:`~chaos.collection.ProxyCollection`, as a Starlette app.

Same paths, methods, JSON shapes and status codes as Toxiproxy 2.12 (toxic create is 200, DELETE and
reset 204, populate 201), its error bodies (see :mod:`chaos.errors`), its 403 for browser user agents,
``404 page not found`` for unknown paths and an empty 405 for a wrong method. Routing is a small table
(method, path pattern) so those edge cases stay exact. :func:`running_proxy_api` serves it in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from chaos import errors, request_body
from chaos.address import set_nodelay
from chaos.collection import PopulateError, ProxyCollection, ProxyConfig
from chaos.errors import ApiError, error_response

TOXIPROXY_VERSION = "2.12.0"

Handler = Callable[[Request, ProxyCollection, dict[str, str]], Awaitable[Response]]


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, separators=(",", ":")), status, media_type="application/json")


def no_content() -> Response:
    return Response(status_code=204)


# handlers ------------------------------------------------------------------------------------------
async def list_proxies(request: Request, collection: ProxyCollection, _: dict[str, str]) -> Response:
    return json_response({name: proxy.to_json() for name, proxy in collection.proxies().items()})


async def create_proxy(request: Request, collection: ProxyCollection, _: dict[str, str]) -> Response:
    body = request_body.decode_object(await request.body(), "proxy.Proxy")
    proxy = await collection.create(
        name=request_body.string_field(body, "name", "Proxy.name", ""),
        upstream=request_body.string_field(body, "upstream", "Proxy.upstream", ""),
        listen=request_body.string_field(body, "listen", "Proxy.listen", ""),
        enabled=request_body.bool_field(body, "enabled", "Proxy.enabled", True),
    )
    return json_response(proxy.to_json(), 201)


def parse_proxy_configs(raw: bytes) -> list[ProxyConfig]:
    """A populate body (or a ``--config`` file): a JSON array of ``{name, upstream, listen, enabled}``."""
    items = request_body.decode(raw)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError(errors.BAD_REQUEST_BODY, "json: cannot unmarshal object into Go value of type []proxy")
    return [
        ProxyConfig(
            name=request_body.string_field(item, "name", "proxy.name", ""),
            upstream=request_body.string_field(item, "upstream", "proxy.upstream", ""),
            listen=request_body.string_field(item, "listen", "proxy.listen", ""),
            enabled=request_body.bool_field(item, "enabled", "proxy.enabled", True),
        )
        for item in items
    ]


async def populate(request: Request, collection: ProxyCollection, _: dict[str, str]) -> Response:
    try:
        configs = parse_proxy_configs(await request.body())
        proxies = await collection.populate(configs)
    except PopulateError as exc:
        made = None if exc.proxies is None else [proxy.to_json() for proxy in exc.proxies]
        return json_response({**exc.to_json(), "proxies": made}, exc.status)
    except ApiError as exc:
        return json_response({**exc.to_json(), "proxies": None}, exc.status)
    return json_response({"proxies": [proxy.to_json() for proxy in proxies]}, 201)


async def show_proxy(request: Request, collection: ProxyCollection, path: dict[str, str]) -> Response:
    return json_response(collection.get(path["proxy"]).to_json())


async def update_proxy(request: Request, collection: ProxyCollection, path: dict[str, str]) -> Response:
    proxy = collection.get(path["proxy"])
    body = request_body.decode_object(await request.body(), "proxy.Proxy")
    updated = await collection.update(
        proxy.name,
        listen=request_body.string_field(body, "listen", "Proxy.listen", proxy.listen),
        upstream=request_body.string_field(body, "upstream", "Proxy.upstream", proxy.upstream),
        enabled=request_body.bool_field(body, "enabled", "Proxy.enabled", proxy.enabled),
    )
    return json_response(updated.to_json())


async def delete_proxy(request: Request, collection: ProxyCollection, path: dict[str, str]) -> Response:
    await collection.remove(path["proxy"])
    return no_content()


async def list_toxics(request: Request, collection: ProxyCollection, path: dict[str, str]) -> Response:
    return json_response([spec.to_json() for spec in collection.get(path["proxy"]).toxics.all()])


async def create_toxic(request: Request, collection: ProxyCollection, path: dict[str, str]) -> Response:
    collection.get(path["proxy"])
    body = request_body.decode_object(await request.body(), "toxics.ToxicWrapper")
    toxicity = request_body.number_field(body, "toxicity", "ToxicWrapper.toxicity", 1.0)
    spec = await collection.add_toxic(
        path["proxy"],
        type=request_body.string_field(body, "type", "ToxicWrapper.type", ""),
        name=request_body.string_field(body, "name", "ToxicWrapper.name", "") or None,
        stream=request_body.string_field(body, "stream", "ToxicWrapper.stream", "downstream"),
        toxicity=1.0 if toxicity is None else toxicity,
        attributes=request_body.object_field(body, "attributes", "ToxicWrapper.attributes"),
    )
    return json_response(spec.to_json())


async def show_toxic(request: Request, collection: ProxyCollection, path: dict[str, str]) -> Response:
    return json_response(collection.get_toxic(path["proxy"], path["toxic"]).to_json())


async def update_toxic(request: Request, collection: ProxyCollection, path: dict[str, str]) -> Response:
    collection.get_toxic(path["proxy"], path["toxic"])
    body = request_body.decode_object(await request.body(), "toxics.ToxicWrapper")
    spec = await collection.update_toxic(
        path["proxy"],
        path["toxic"],
        attributes=request_body.object_field(body, "attributes", "ToxicWrapper.attributes"),
        toxicity=request_body.number_field(body, "toxicity", "ToxicWrapper.toxicity", None),
    )
    return json_response(spec.to_json())


async def delete_toxic(request: Request, collection: ProxyCollection, path: dict[str, str]) -> Response:
    await collection.remove_toxic(path["proxy"], path["toxic"])
    return no_content()


async def reset(request: Request, collection: ProxyCollection, _: dict[str, str]) -> Response:
    await collection.reset()
    return no_content()


async def version(request: Request, collection: ProxyCollection, _: dict[str, str]) -> Response:
    body = json.dumps({"version": TOXIPROXY_VERSION}, separators=(",", ": ")) + "\n"
    return Response(body, headers={"Content-Type": "application/json;charset=utf-8"})


_SEGMENT = r"(?P<{}>[^/]+)"
ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (re.compile(r"/reset"), {"POST": reset}),
    (re.compile(r"/version"), {"GET": version}),
    (re.compile(r"/populate"), {"POST": populate}),
    (re.compile(r"/proxies"), {"GET": list_proxies, "POST": create_proxy}),
    (
        re.compile(r"/proxies/" + _SEGMENT.format("proxy")),
        {"GET": show_proxy, "POST": update_proxy, "PATCH": update_proxy, "DELETE": delete_proxy},
    ),
    (
        re.compile(r"/proxies/" + _SEGMENT.format("proxy") + "/toxics"),
        {"GET": list_toxics, "POST": create_toxic},
    ),
    (
        re.compile(r"/proxies/" + _SEGMENT.format("proxy") + "/toxics/" + _SEGMENT.format("toxic")),
        {"GET": show_toxic, "POST": update_toxic, "PATCH": update_toxic, "DELETE": delete_toxic},
    ),
]


def plain_text(text: str, status: int) -> Response:
    return Response(
        text + "\n",
        status,
        media_type="text/plain; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


async def dispatch(request: Request, collection: ProxyCollection) -> Response:
    """Route one request; the one place where :class:`ApiError` becomes a response."""
    for pattern, methods in ROUTES:
        match = pattern.fullmatch(request.url.path)
        if match is None:
            continue
        handler = methods.get(request.method)
        if handler is None:
            return Response(status_code=405)
        if request.headers.get("user-agent", "").startswith("Mozilla/"):
            return plain_text(errors.USER_AGENT_NOT_ALLOWED.message, 403)
        try:
            return await handler(request, collection, match.groupdict())
        except ApiError as exc:
            return error_response(exc)
    return plain_text(errors.PAGE_NOT_FOUND.message, 404)


def build_api(collection: ProxyCollection) -> Starlette:
    """The API as an ASGI app; every response carries ``X-Toxiproxy-Request-Id``."""

    async def endpoint(request: Request) -> Response:
        response = await dispatch(request, collection)
        response.headers["X-Toxiproxy-Request-Id"] = uuid.uuid4().hex[:20]
        return response

    methods = ["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", endpoint, methods=methods)])


class _QuietUvicorn(uvicorn.Server):
    """uvicorn that leaves signal handling to the host program (several servers may share a process)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def running_proxy_api(
    collection: ProxyCollection,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout_s: float = 10.0,
) -> AsyncIterator[str]:
    """Serve the API in the current loop until the block exits; yields its base URL.

    The socket is bound first (port 0 → a free port, no race); every proxy is closed on exit.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        set_nodelay(sock)  # inherited by accepted sockets: no 40 ms Nagle stall per API response
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(build_api(collection), log_level="warning", access_log=False, lifespan="off")
    server = _QuietUvicorn(config)
    task = asyncio.create_task(server.serve([sock]))
    try:
        async with asyncio.timeout(startup_timeout_s):
            while not server.started:
                if task.done():
                    raise RuntimeError(f"proxy API failed to start on {host}:{bound_port}")
                await asyncio.sleep(0.005)
        shown_host = f"[{host}]" if ":" in host else host
        yield f"http://{shown_host}:{bound_port}"
    finally:
        server.should_exit = True
        await asyncio.wait([task], timeout=5)
        if not task.done():
            task.cancel()
            await asyncio.wait([task])
        sock.close()
        await collection.close()
