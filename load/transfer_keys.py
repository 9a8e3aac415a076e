"""The wallet transfer keys of a run: made unique per load process, remembered, written, read back.

Plain Python (no gevent, no Locust): the load processes write them, the harness reads them for the
wallet check (:mod:`load.wallet_audit`).
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
from pathlib import Path

KEYS_FILE_PREFIX = "wallet-keys-"


class TransferBook:
    """Idempotency keys this process sent (``attempted``) and saw accepted (``accepted``)."""

    def __init__(self, run_id: str) -> None:
        self.prefix = f"{run_id}:{os.getpid()}-{secrets.token_hex(3)}:"
        self.attempted: set[str] = set()
        self.accepted: set[str] = set()
        self._numbers = itertools.count(1)

    def new_key(self) -> str:
        key = f"{self.prefix}{next(self._numbers)}"
        self.attempted.add(key)
        return key

    def write(self, directory: str) -> Path:
        path = Path(directory) / f"{KEYS_FILE_PREFIX}{os.getpid()}.json"
        payload = {"attempted": sorted(self.attempted), "accepted": sorted(self.accepted)}
        path.write_text(json.dumps(payload))
        return path


def read_keys(record_dir: Path) -> tuple[set[str], set[str]]:
    """``(attempted, accepted)`` transfer keys of every load process of the run."""
    attempted: set[str] = set()
    accepted: set[str] = set()
    for path in record_dir.glob(f"{KEYS_FILE_PREFIX}*.json"):
        data = json.loads(path.read_text())
        attempted.update(data["attempted"])
        accepted.update(data["accepted"])
    return attempted, accepted
