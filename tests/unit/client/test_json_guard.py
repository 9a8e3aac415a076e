"""The gateway's body checks: surrogate pairing through escapes, depth outside strings, linear scans."""

from __future__ import annotations

import time

import pytest

from client.json_guard import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    BadJsonBody,
    check_body,
    jsonrpc_messages,
)


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": "\\ud83d\\ude00"}',  # a proper pair
        b'{"a": "\\\\ud800"}',  # an escaped backslash, then the text "ud800"
        b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',  # brackets in a string
        b'{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}',
        b"[" * 64 + b"]" * 64,
        "caf\u00e9 \U0001f600".encode(),
    ],
)
def test_fine_bodies_pass(body: bytes) -> None:
    check_body(body, 64)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"a": "\\ud800"}', INVALID_PARAMS),
        (b'{"a": "\\uDBFF x"}', INVALID_PARAMS),
        (b'{"a": "\\udc00"}', INVALID_PARAMS),
        (b'{"a": "\\ude00\\ud83d"}', INVALID_PARAMS),
        (b'{"a": "\\ud800\\n"}', INVALID_PARAMS),
        (b'{"a": "\\\\\\ud800"}', INVALID_PARAMS),  # escaped backslash, then a real lone escape
        (b"[" * 65 + b"]" * 65, PARSE_ERROR),
        (b'{"a":' * 65 + b"1" + b"}" * 65, PARSE_ERROR),
        (b"\xed\xa0\x80", PARSE_ERROR),
        (b"\xff", PARSE_ERROR),
    ],
)
def test_bad_bodies_are_refused_with_their_code(body: bytes, code: int) -> None:
    with pytest.raises(BadJsonBody) as caught:
        check_body(body, 64)
    assert caught.value.code == code


def test_duplicate_keys_in_jsonrpc_messages_are_refused() -> None:
    with pytest.raises(BadJsonBody) as caught:
        jsonrpc_messages(b'{"method": "tools/call", "params": {"name": "a", "name": "b"}}')
    assert caught.value.code == INVALID_REQUEST


def test_adversarial_bodies_are_scanned_in_linear_time() -> None:
    bodies = [b"[" * 65 + b'"\\"' * 300_000, b"[" * 65 + b'"' + b"\\u0041" * 150_000, b"[" * 500_000]
    started = time.perf_counter()
    for body in bodies:
        with pytest.raises(BadJsonBody):
            check_body(body + b"\\ud800", 64)
    assert time.perf_counter() - started < 2.0
