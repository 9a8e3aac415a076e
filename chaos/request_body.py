"""Request bodies decoded the way Toxiproxy's Go decoder does, so bad input gets its 400s.

Go's ``json.Decoder.Decode`` reads the first JSON value (trailing text is ignored), ``EOF`` for an
empty body, ignores unknown keys, and refuses a value of the wrong type for a known field
(``json: cannot unmarshal number into Go struct field Proxy.name of type string``). Every failure
here is ``bad request body: <reason>``.
"""

from __future__ import annotations

import json
from typing import Any

from chaos import errors
from chaos.errors import ApiError

_JSON_KIND = {dict: "object", list: "array", str: "string", bool: "bool", int: "number", float: "number"}


def _kind(value: object) -> str:
    return "null" if value is None else _JSON_KIND.get(type(value), type(value).__name__)


def decode(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace").lstrip()
    if not text:
        raise ApiError(errors.BAD_REQUEST_BODY, "EOF")
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as exc:
        raise ApiError(errors.BAD_REQUEST_BODY, f"invalid JSON: {exc.msg} at offset {exc.pos}") from None
    return value


def decode_object(raw: bytes, go_type: str) -> dict[str, Any]:
    value = decode(raw)
    if value is None:
        return {}  # Go decodes null into a struct as a no-op
    if not isinstance(value, dict):
        raise ApiError(
            errors.BAD_REQUEST_BODY, f"json: cannot unmarshal {_kind(value)} into Go value of type {go_type}"
        )
    return value


def _mismatch(value: object, go_field: str, go_kind: str) -> ApiError:
    return ApiError(
        errors.BAD_REQUEST_BODY,
        f"json: cannot unmarshal {_kind(value)} into Go struct field {go_field} of type {go_kind}",
    )


def string_field(body: dict[str, Any], key: str, go_field: str, default: str) -> str:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise _mismatch(value, go_field, "string")
    return value


def bool_field(body: dict[str, Any], key: str, go_field: str, default: bool) -> bool:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _mismatch(value, go_field, "bool")
    return value


def number_field(body: dict[str, Any], key: str, go_field: str, default: float | None) -> float | None:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _mismatch(value, go_field, "float32")
    return float(value)


def object_field(body: dict[str, Any], key: str, go_field: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _mismatch(value, go_field, "object")
    return value
