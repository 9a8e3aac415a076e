"""The failures a backend can report; tools turn them into ``isError`` results that say what failed.

BackendError
├── BackendUnavailable   connection refused, reset, DNS, TLS
├── BackendTimeout       a deadline passed
└── BackendBadResponse   status >= 400 or a payload of the wrong shape
"""

from __future__ import annotations


class BackendError(Exception):
    """A dependency of a server failed; ``backend`` names which one."""

    def __init__(self, backend: str, message: str) -> None:
        super().__init__(f"{backend}: {message}")
        self.backend = backend


class BackendUnavailable(BackendError):
    pass


class BackendTimeout(BackendError):
    pass


class BackendBadResponse(BackendError):
    pass


class ServerSetupError(Exception):
    """A server cannot start with its settings (a missing extra, an unreachable backend); says what to change."""
