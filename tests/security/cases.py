"""The table of hostile requests: one entry per kind of bad request, with the answers that are right.

Each case sends something wrong at the gateway (on a bare socket unless it needs more) and reports the
HTTP status it got back, or ``None`` when the gateway closed the connection without answering (only
acceptable where stated). The hostile caller is "mallory": a JWT whose tools claim allows only
``weather__*`` and ``client__find_tools``; the runner checks that a well-behaved caller with its own
key is served meanwhile and that no credential reaches the logs.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

from harness.mcp_wire import modern_request, tool_call
from tests.security.raw_http import exchange, host_port, read_response, request_bytes


@dataclass(frozen=True)
class Target:
    gateway_url: str
    api_key: str
    mallory_jwt: str

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mallory_jwt}"}


Send = Callable[[Target], Awaitable[list[int | None]]]


@dataclass(frozen=True)
class Case:
    name: str
    send: Send
    expect: frozenset[int | None]
    deadline_s: float = 5.0


CASES: list[Case] = []


async def answer_of(target: Target, raw: bytes) -> int | None:
    try:
        return (await exchange(target.gateway_url, raw)).status
    except ConnectionError:
        return None


def raw_case(
    name: str,
    method: str,
    path: str,
    expect: set[int | None],
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    auth: bool = True,
    content_length: int | None = None,
) -> None:
    async def send(target: Target) -> list[int | None]:
        merged = {**(target.auth() if auth else {}), **(headers or {})}
        return [
            await answer_of(target, request_bytes(method, path, merged, body, content_length=content_length))
        ]

    CASES.append(Case(name, send, frozenset(expect)))


def bytes_case(
    name: str, build: Callable[[Target], bytes], expect: set[int | None], deadline_s: float = 5.0
) -> None:
    async def send(target: Target) -> list[int | None]:
        return [await answer_of(target, build(target))]

    CASES.append(Case(name, send, frozenset(expect), deadline_s))


def auth_line(target: Target) -> bytes:
    return b"Authorization: Bearer " + target.mallory_jwt.encode() + b"\r\n"


JSON = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
CALL = "/v1/tools/weather__get_weather/call"


def mcp_body(tool: str = "weather__get_weather", arguments: object = None) -> tuple[bytes, dict[str, str]]:
    payload, headers = tool_call(tool, {"city": "Oslo"} if arguments is None else arguments)  # type: ignore[arg-type]
    return json.dumps(payload).encode(), {**JSON, **headers}


def mcp_case(name: str, body: bytes, expect: set[int | None], headers: dict[str, str] | None = None) -> None:
    _, mcp_headers = mcp_body()
    raw_case(name, "POST", "/mcp", expect, headers={**mcp_headers, **(headers or {})}, body=body)


# --- paths: every spelling of a route other than the canonical one is 400 -----------------------------
for label, path in [
    ("dot-dot", "/v1/tools/weather__get_weather/../wallet__deposit/call"),
    ("pct-dot-dot", "/v1/tools/weather__get_weather/%2e%2e/wallet__deposit/call"),
    ("pct-dot-dot-upper", "/v1/tools/weather__get_weather/%2E%2E/wallet__deposit/call"),
    ("mixed-dot-pct", "/v1/tools/weather__get_weather/.%2e/wallet__deposit/call"),
    ("pct-slash", "/v1/tools/weather__get_weather%2f..%2fwallet__deposit/call"),
    ("pct-slash-upper", "/v1/tools/weather__get_weather%2F..%2Fwallet__deposit/call"),
    ("backslash", "/v1/tools/weather__get_weather/..\\wallet__deposit/call"),
    ("dot-segment", "/v1/./tools/wallet__deposit/call"),
    ("double-slash", "/v1//tools/wallet__deposit/call"),
    ("leading-double-slash", "//v1/tools/wallet__deposit/call"),
    ("trailing-slash", "/v1/tools/wallet__deposit/call/"),
    ("pct-unreserved", "/v1/tools/wallet%5f%5fdeposit/call"),
    ("pct-nul", "/v1/tools/wallet__deposit%00/call"),
    ("semicolon-param", "/v1/tools/wallet__deposit;x=1/call"),
    ("double-encoded", "/v1/tools/weather__get_weather/%252e%252e/wallet__deposit/call"),
]:
    raw_case(f"path-{label}", "POST", path, {400}, headers=JSON, body=b'{"account": "m", "amount": 1}')
DEPOSIT_BODY, DEPOSIT_HEADERS = mcp_body("wallet__deposit")
for label, path in [
    ("mcp-dot-dot", "/x/../mcp"),
    ("mcp-pct-letter", "/%6dcp"),
    ("mcp-pct-slash", "/x%2f..%2fmcp"),
]:
    raw_case(f"path-{label}", "POST", path, {400}, headers=DEPOSIT_HEADERS, body=DEPOSIT_BODY)
raw_case("path-listing-dot-dot", "GET", "/v1/x/../tools", {400})
raw_case("path-healthz-dot", "GET", "/healthz/.", {400}, auth=False)
raw_case("path-absolute-form", "GET", "http://evil.example/v1/tools", {400})
raw_case("path-asterisk", "OPTIONS", "*", {400})
raw_case("path-very-long", "GET", "/v1/" + "a" * 8000, {404})
raw_case("path-unknown-route", "GET", "/admin", {404})
bytes_case("path-non-ascii-byte", lambda t: b"GET /v1/tools\xff HTTP/1.1\r\nHost: x\r\n\r\n", {400, None})

# --- headers and credentials ------------------------------------------------------------------------
raw_case("auth-none", "GET", "/v1/tools", {401}, auth=False)
raw_case("auth-wrong-key", "GET", "/v1/tools", {401}, auth=False, headers={"X-API-Key": "mcph_wrong"})
raw_case("auth-garbage-jwt", "GET", "/v1/tools", {401}, auth=False, headers={"Authorization": "Bearer a.b.c"})
raw_case(
    "auth-alg-none-jwt",
    "GET",
    "/v1/tools",
    {401},
    auth=False,
    headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0."},
)
raw_case("auth-basic", "GET", "/v1/tools", {401}, auth=False, headers={"Authorization": "Basic bWFsbG9yeTp4"})
raw_case("origin-foreign", "GET", "/v1/tools", {403}, headers={"Origin": "https://evil.example"})
raw_case("origin-null", "GET", "/v1/tools", {403}, headers={"Origin": "null"})
raw_case("header-huge-value", "GET", "/v1/tools", {400, 431}, headers={"X-Pad": "a" * 100_000})
raw_case(
    "header-many-large", "GET", "/v1/tools", {400, 431}, headers={f"X-H{i}": "v" * 900 for i in range(40)}
)
raw_case("header-many", "GET", "/v1/tools", {200, 400, 431}, headers={f"X-H{i}": "v" for i in range(300)})
raw_case("header-bad-name", "GET", "/v1/tools", {400}, headers={"Bad Header": "x"})
raw_case("request-id-injection", "GET", "/v1/tools", {200}, headers={"X-Request-Id": "a b<script>"})
raw_case(
    "mcp-name-header-forbidden",
    "POST",
    "/mcp",
    {403},
    headers={**mcp_body()[1], "Mcp-Name": "wallet__deposit"},
    body=mcp_body()[0],
)
raw_case(
    "content-encoding-gzip",
    "POST",
    CALL,
    {415},
    headers={**JSON, "Content-Encoding": "gzip"},
    body=b"\x1f\x8b\x08\x00",
)
raw_case(
    "spoofed-allow-list-header",
    "POST",
    "/v1/tools/wallet__deposit/call",
    {403},
    headers={**JSON, "X-Mcph-Allowed-Tools": '["*"]'},
    body=b'{"account": "m", "amount": 1}',
)
raw_case("method-unknown", "FOO", "/v1/tools", {405})
raw_case("method-trace", "TRACE", "/v1/tools", {405})
bytes_case(
    "header-obs-fold",  # RFC 9112: reject, or unfold into one space (h11 unfolds)
    lambda t: b"GET /v1/tools HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n" + auth_line(t) + b"\r\n",
    {200, 400},
)
bytes_case(
    "header-no-host",
    lambda t: b"GET /v1/tools HTTP/1.1\r\nAuthorization: Bearer " + t.mallory_jwt.encode() + b"\r\n\r\n",
    {400},
)
bytes_case(
    "framing-two-lengths",
    lambda t: b"POST /v1/tools HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
    {400},
)
bytes_case(
    "framing-length-and-chunked",
    lambda t: (
        b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n"
        + auth_line(t)
        + b"\r\n0\r\n\r\n"
    ),
    {400},  # chunked wins (RFC 9112 6.3) and the gateway re-frames: nothing smuggled; empty body: 400
)
bytes_case(
    "framing-bad-length", lambda t: b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", {400}
)
bytes_case(
    "framing-negative-length", lambda t: b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", {400}
)
bytes_case(
    "framing-bad-chunk",
    lambda t: b"POST /mcp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    {400},
)
bytes_case(
    "not-http-at-all", lambda t: b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40, {400, None}
)

# --- bodies -----------------------------------------------------------------------------------------
DEEP_ARRAY = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
mcp_case("json-deep-array-mcp", mcp_body()[0].replace(b'"Oslo"', DEEP_ARRAY), {400})
mcp_case("json-deep-object-mcp", mcp_body()[0].replace(b'"Oslo"', DEEP_OBJECT), {400})
mcp_case("json-deep-array-100-mcp", mcp_body()[0].replace(b'"Oslo"', b"[" * 100 + b"]" * 100), {400})
raw_case(
    "json-deep-array-rest",
    "POST",
    CALL,
    {400},
    headers=JSON,
    body=b'{"city": ' + b"[" * 1000 + b"]" * 1000 + b"}",
)
raw_case("json-deep-object-rest", "POST", CALL, {400}, headers=JSON, body=b'{"city": ' + DEEP_OBJECT + b"}")
mcp_case("surrogate-lone-high", mcp_body()[0].replace(b'"Oslo"', b'"\\ud800"'), {400})
mcp_case("surrogate-lone-low", mcp_body()[0].replace(b'"Oslo"', b'"\\udc00"'), {400})
mcp_case("surrogate-reversed-pair", mcp_body()[0].replace(b'"Oslo"', b'"\\udc00\\ud800"'), {400})
mcp_case("surrogate-in-key", mcp_body()[0].replace(b'"city"', b'"\\ud800"'), {400})
raw_case("surrogate-rest", "POST", CALL, {400}, headers=JSON, body=b'{"city": "\\udbff"}')
mcp_case("utf8-encoded-surrogate", mcp_body()[0].replace(b"Oslo", b"\xed\xa0\x80"), {400})
mcp_case("utf8-invalid-byte", mcp_body()[0].replace(b"Oslo", b"\xff"), {400})
mcp_case("utf16-body", json.dumps(json.loads(mcp_body()[0])).encode("utf-16"), {400})
raw_case("body-too-large-declared", "POST", CALL, {413}, headers=JSON, content_length=5_000_000)
mcp_case(
    "json-duplicate-name",
    b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"weather__get_weather","name":"wallet__deposit","arguments":{}}}',
    {400},
)
mcp_case(
    "json-duplicate-method",
    b'{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call","params":{"name":"wallet__deposit"}}',
    {400},
)
mcp_case("tool-forbidden", mcp_body("wallet__deposit", {"account": "m", "amount": 1})[0], {403})
mcp_case(
    "tool-forbidden-escaped-name",
    mcp_body()[0].replace(b'"weather__get_weather"', b'"wallet\\u005f_deposit"'),
    {403},
)
mcp_case(
    "tool-name-not-a-string", mcp_body()[0].replace(b'"weather__get_weather"', b'["wallet__deposit"]'), {403}
)
mcp_case(
    "batch-with-forbidden-call",
    b"[" + mcp_body()[0] + b"," + mcp_body("wallet__deposit")[0].replace(b'"id": 1', b'"id": 2') + b"]",
    {403, 400},
)
raw_case(
    "rest-tool-forbidden",
    "POST",
    "/v1/tools/wallet__deposit/call",
    {403},
    headers=JSON,
    body=b'{"account": "m", "amount": 1}',
)
mcp_case("json-not-json", b"{not json", {400})
mcp_case("json-empty-body", b"", {400})
mcp_case("json-huge-number", mcp_body()[0].replace(b'"Oslo"', b"1e999999"), {200, 400})
mcp_case("json-nan", mcp_body()[0].replace(b'"Oslo"', b"NaN"), {200, 400})
raw_case("rest-body-array", "POST", CALL, {400}, headers=JSON, body=b"[1, 2]")
raw_case("rest-body-string", "POST", CALL, {400}, headers=JSON, body=b'"Oslo"')
mcp_case(
    "session-id-bogus",
    mcp_body()[0],
    {400, 404},
    headers={"Mcp-Session-Id": "../../etc/passwd", "MCP-Protocol-Version": "2025-11-25"},
)
raw_case(
    "mcp-delete-bogus-session",
    "DELETE",
    "/mcp",
    {400, 404, 405},
    headers={"Mcp-Session-Id": "nope", "MCP-Protocol-Version": "2025-11-25"},
)
raw_case(
    "mcp-wrong-accept",
    "POST",
    "/mcp",
    {400, 406},
    headers={**mcp_body()[1], "Accept": "text/html"},
    body=mcp_body()[0],
)
raw_case(
    "mcp-protocol-version-bogus",
    "POST",
    "/mcp",
    {400},
    headers={**mcp_body()[1], "MCP-Protocol-Version": "1999-01-01"},
    body=mcp_body()[0],
)
mcp_case("jsonrpc-method-unknown", json.dumps(modern_request("admin/shutdown")[0]).encode(), {200, 400, 404})


# --- slow clients (header and body deadlines are 1 s in the suite) -------------------------------------
async def silent_connection(target: Target) -> list[int | None]:
    return [await silent_status(target)]


async def silent_status(target: Target) -> int | None:
    host, port = host_port(target.gateway_url)
    async with await anyio.connect_tcp(host, port) as stream:
        return (await read_response(stream)).status


async def unfinished_head(target: Target) -> list[int | None]:
    host, port = host_port(target.gateway_url)
    async with await anyio.connect_tcp(host, port) as stream:
        await stream.send(b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: appl")
        return [(await read_response(stream)).status]


async def trickled_body(target: Target) -> list[int | None]:
    host, port = host_port(target.gateway_url)
    body = mcp_body()[0]
    async with await anyio.connect_tcp(host, port) as stream, anyio.create_task_group() as tg:
        await stream.send(
            request_bytes("POST", "/mcp", {**target.auth(), **mcp_body()[1]}, content_length=len(body))
        )

        async def drip() -> None:
            for byte in body:
                await stream.send(bytes([byte]))
                await anyio.sleep(0.25)  # the trickle itself, not synchronisation

        tg.start_soon(drip)
        status = (await read_response(stream)).status
        tg.cancel_scope.cancel()
        return [status]


async def short_body(target: Target) -> list[int | None]:
    host, port = host_port(target.gateway_url)
    async with await anyio.connect_tcp(host, port) as stream:
        await stream.send(
            request_bytes("POST", CALL, {**target.auth(), **JSON}, b'{"city"', content_length=100)
        )
        return [(await read_response(stream)).status]


async def hang_up_mid_body(target: Target) -> list[int | None]:
    host, port = host_port(target.gateway_url)
    async with await anyio.connect_tcp(host, port) as stream:
        await stream.send(
            request_bytes("POST", CALL, {**target.auth(), **JSON}, b'{"city"', content_length=100)
        )
    return [None]


async def pipelined(target: Target) -> list[int | None]:
    host, port = host_port(target.gateway_url)
    one = request_bytes("GET", "/v1/tools", target.auth())
    async with await anyio.connect_tcp(host, port) as stream:
        await stream.send(one + one)
        return [(await read_response(stream)).status, (await read_response(stream)).status]


CASES += [
    Case("slow-silent-connection", silent_connection, frozenset({408}), 4.0),
    Case("slow-unfinished-head", unfinished_head, frozenset({408}), 4.0),
    Case("slow-trickled-body", trickled_body, frozenset({408}), 4.0),
    Case("slow-short-body", short_body, frozenset({408}), 4.0),
    Case("slow-hang-up-mid-body", hang_up_mid_body, frozenset({None}), 4.0),
    Case("pipelined-requests", pipelined, frozenset({200}), 4.0),
]


# --- floods -----------------------------------------------------------------------------------------
async def many(target: Target, count: int, one: Callable[[], Awaitable[int | None]]) -> list[int | None]:
    statuses: list[int | None] = []

    async def run() -> None:
        statuses.append(await one())

    async with anyio.create_task_group() as tg:
        for _ in range(count):
            tg.start_soon(run)
    return statuses


async def slowloris_flood(target: Target) -> list[int | None]:
    return await many(target, 100, lambda: silent_status(target))


async def request_flood(target: Target) -> list[int | None]:
    statuses = await many(
        target, 150, lambda: answer_of(target, request_bytes("GET", "/v1/tools", target.auth()))
    )
    assert 429 in statuses, "mallory's flood should meet the rate limit"
    return statuses


async def deep_json_flood(target: Target) -> list[int | None]:
    body, headers = mcp_body()
    deep = body.replace(b'"Oslo"', DEEP_ARRAY)
    raw = request_bytes("POST", "/mcp", {**target.auth(), **headers}, deep)
    return await many(target, 40, lambda: answer_of(target, raw))


async def bad_path_flood(target: Target) -> list[int | None]:
    raw = request_bytes("GET", "/v1/x/../tools", target.auth())
    return await many(target, 100, lambda: answer_of(target, raw))


CASES += [
    Case("flood-slowloris-100", slowloris_flood, frozenset({408}), 6.0),
    Case("flood-requests-rate-limited", request_flood, frozenset({200, 429}), 10.0),
    Case("flood-deep-json-40", deep_json_flood, frozenset({400}), 10.0),
    Case("flood-bad-paths-100", bad_path_flood, frozenset({400}), 10.0),
]
