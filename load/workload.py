"""The reference workload's tasks: what an agent does to the deployment, through the gateway.

* weather reads — a known city (the weather server's cache answers after the first read: a hit) or
  fresh coordinates (always a miss: the fake weather API is called);
* wallet balance reads and transfers between the run's accounts, each transfer with its own
  idempotency key, a share of them sent twice with the same key (the retry must be answered as a
  replay of the same transaction, or the call fails);
* knowledge searches.

Wallet accounts are opened once per load process with deposits whose keys are fixed, so every process
and every worker may try and only the first deposit counts. Transfer keys are remembered
(:class:`~load.transfer_keys.TransferBook`) so the run can prove afterwards that each accepted key
is in the ledger once.
"""

from __future__ import annotations

import random
from typing import Any

from gevent.lock import Semaphore

from load.mcp_user import McpClient
from load.settings import WorkloadSettings
from load.transfer_keys import TransferBook
from load.wire import McpAnswer

WEATHER_TOOL = "weather__get_weather"
BALANCE_TOOL = "wallet__get_balance"
DEPOSIT_TOOL = "wallet__deposit"
TRANSFER_TOOL = "wallet__transfer"
SEARCH_TOOL = "knowledge__search"


class WalletAccounts:
    """Opens the run's accounts once per process (first caller deposits, the others wait)."""

    def __init__(self, settings: WorkloadSettings) -> None:
        self.settings = settings
        self.names = [settings.account(i) for i in range(settings.accounts)]
        self._lock = Semaphore()
        self._opened = False

    def ensure_open(self, client: McpClient) -> bool:
        if self._opened:
            return True
        with self._lock:
            if not self._opened:
                self._opened = all(
                    client.call_tool(
                        DEPOSIT_TOOL,
                        {
                            "account": name,
                            "amount": self.settings.opening_balance,
                            "idempotency_key": f"{self.settings.run_id}-open-{name}",
                        },
                    ).ok
                    for name in self.names
                )
        return self._opened


def replay_of(first: McpAnswer) -> Any:
    """A validator: the retry must be a replay of ``first``'s transaction (nothing new written)."""

    def check(retry: McpAnswer) -> str | None:
        original, again = first.structured_content or {}, retry.structured_content or {}
        if not again.get("replayed"):
            return "a retry with the same idempotency key was not answered as a replay"
        if again.get("transaction_id") != original.get("transaction_id"):
            return "a retry with the same idempotency key got another transaction"
        return None

    return check


class ReferenceWorkload:
    """The tasks, over one process's shared state (accounts, transfer keys)."""

    def __init__(self, settings: WorkloadSettings) -> None:
        self.settings = settings
        self.accounts = WalletAccounts(settings)
        self.book = TransferBook(settings.run_id)

    def weather_hit(self, client: McpClient, rng: random.Random) -> None:
        client.call_tool(WEATHER_TOOL, {"city": rng.choice(self.settings.cities)})

    def weather_miss(self, client: McpClient, rng: random.Random) -> None:
        point = {"latitude": round(rng.uniform(-80, 80), 4), "longitude": round(rng.uniform(-179, 179), 4)}
        client.call_tool(WEATHER_TOOL, point)

    def balance(self, client: McpClient, rng: random.Random) -> None:
        if self.accounts.ensure_open(client):
            client.call_tool(BALANCE_TOOL, {"account": rng.choice(self.accounts.names)})

    def transfer(self, client: McpClient, rng: random.Random) -> None:
        if not self.accounts.ensure_open(client):
            return
        source, target = rng.sample(self.accounts.names, 2)
        key = self.book.new_key()
        arguments = {
            "from_account": source,
            "to_account": target,
            "amount": rng.randint(1, self.settings.max_transfer),
            "idempotency_key": key,
        }
        first = client.call_tool(TRANSFER_TOOL, arguments)
        if first.ok:
            self.book.accepted.add(key)
            if rng.random() < self.settings.retry_share:
                client.call_tool(TRANSFER_TOOL, arguments, validate=replay_of(first))

    def search(self, client: McpClient, rng: random.Random) -> None:
        client.call_tool(SEARCH_TOOL, {"query": rng.choice(self.settings.queries), "k": 3})

    def weighted_tasks(self) -> list[tuple[str, int]]:
        s = self.settings
        weights = [
            ("weather_hit", s.weather_hit_weight),
            ("weather_miss", s.weather_miss_weight),
            ("balance", s.balance_weight),
            ("transfer", s.transfer_weight),
            ("search", s.search_weight),
        ]
        return [(name, weight) for name, weight in weights if weight > 0]
