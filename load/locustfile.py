"""The reference workload as a plain locustfile: ``locust -f load/locustfile.py --host http://GATEWAY``.

Weights and data come from ``MCPH_LOAD_*`` (:class:`load.settings.WorkloadSettings`), credentials from
:class:`load.settings.McpConnectionSettings` (``MCPH_LOAD_API_KEY``…). With ``MCPH_LOAD_RECORD_DIR``
set (``mcp-harness load`` sets it), each process also writes its per-request samples and its wallet
transfer keys there when the test stops, for fault windows and the wallet audit.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any, cast

from locust import between, events

from load.mcp_user import McpUser
from load.samples import SampleRecorder
from load.settings import WorkloadSettings
from load.workload import ReferenceWorkload

settings = WorkloadSettings()
workload = ReferenceWorkload(settings)
recorder = SampleRecorder()
user_numbers = itertools.count()


def as_task(name: str) -> Callable[[ReferenceAgent], None]:
    step = getattr(workload, name)

    def run(user: ReferenceAgent) -> None:
        step(user.client, user.rng)

    run.__name__ = name
    return run


class ReferenceAgent(McpUser):
    """An agent on the public gateway: weather, wallet and knowledge calls in the configured mix."""

    wait_time = between(settings.wait_min_s, settings.wait_max_s)

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.rng = random.Random(f"{settings.seed}:{next(user_numbers)}")


ReferenceAgent.tasks = cast(Any, {as_task(name): weight for name, weight in workload.weighted_tasks()})


@events.init.add_listener
def record_requests(environment: Any, **_: Any) -> None:
    if settings.record_dir:
        environment.events.request.add_listener(recorder.on_request)


@events.test_stop.add_listener
def write_records(environment: Any, **_: Any) -> None:
    if settings.record_dir and environment.runner is not None and not is_master(environment):
        recorder.write(settings.record_dir)
        workload.book.write(settings.record_dir)


def is_master(environment: Any) -> bool:
    from locust.runners import MasterRunner

    return isinstance(environment.runner, MasterRunner)
