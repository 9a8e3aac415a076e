"""Who is calling the gateway: API keys (stored as SHA-256 digests) and JWT bearer tokens.

A key arrives as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; a bearer value shaped like
a JWT is verified with PyJWT (HS256 secret and/or RS256 public key; ``exp``, ``aud`` and ``iss``
required and checked). The result is a :class:`Principal`: an identity for rate limiting and an
optional tool allow-list (exact names or shell-style patterns such as ``weather__*``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

import jwt

from client.settings import ApiKeyEntry, JwtSettings

API_KEY_PREFIX = "mcph_"


class Unauthorized(Exception):
    """Missing or wrong credentials (HTTP 401)."""


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def mint_dev_api_key(
    name: str = "dev", allowed_tools: list[str] | None = None, rate_limit: str | None = None
) -> tuple[str, ApiKeyEntry]:
    """A fresh random key and the hashed entry to put in ``GatewaySettings.api_keys``."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, ApiKeyEntry(
        name=name, sha256=hash_api_key(key), allowed_tools=allowed_tools, rate_limit=rate_limit
    )


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    identity: str
    allowed_tools: tuple[str, ...] | None = None
    rate_limit: str | None = None

    def may_call(self, tool: str) -> bool:
        if self.allowed_tools is None:
            return True
        return any(fnmatchcase(tool, pattern) for pattern in self.allowed_tools)


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and not token.startswith(API_KEY_PREFIX)


class Authenticator:
    """Turns request headers into a :class:`Principal` or raises :class:`Unauthorized`."""

    def __init__(self, api_keys: Iterable[ApiKeyEntry], jwt_settings: JwtSettings) -> None:
        self._keys = {entry.sha256: entry for entry in api_keys}
        self._jwt = jwt_settings

    def authenticate(self, headers: Mapping[str, str]) -> Principal:
        api_key = headers.get("x-api-key")
        authorization = headers.get("authorization")
        if api_key:
            return self._by_api_key(api_key.strip())
        if not authorization:
            raise Unauthorized("credentials required: Authorization: Bearer <key or JWT>, or X-API-Key")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("the Authorization header must be 'Bearer <token>'")
        if looks_like_jwt(token):
            return self._by_jwt(token)
        return self._by_api_key(token)

    def _by_api_key(self, key: str) -> Principal:
        digest = hash_api_key(key)
        for stored, entry in self._keys.items():
            if hmac.compare_digest(stored, digest):
                allowed = tuple(entry.allowed_tools) if entry.allowed_tools is not None else None
                return Principal(f"key:{entry.name}", allowed, entry.rate_limit)
        raise Unauthorized("unknown API key")

    def _by_jwt(self, token: str) -> Principal:
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"malformed token: {exc}") from None
        key: str | None = {"HS256": self._jwt.hs256_secret, "RS256": self._jwt.rs256_public_key}.get(
            str(algorithm)
        )
        if key is None:
            raise Unauthorized(f"tokens signed with {algorithm!r} are not accepted")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[str(algorithm)],
                audience=self._jwt.audience,
                issuer=self._jwt.issuer,
                leeway=self._jwt.leeway_s,
                options={"require": ["exp", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from None
        tools = claims.get(self._jwt.tools_claim)
        if tools is not None and not (isinstance(tools, list) and all(isinstance(t, str) for t in tools)):
            raise Unauthorized(f"claim {self._jwt.tools_claim!r} must be a list of tool names")
        subject = str(claims.get("sub") or "anonymous")
        return Principal(f"jwt:{subject}", tuple(tools) if tools is not None else None)
