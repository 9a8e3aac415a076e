"""Experiments with pod faults (process runner only): one module per experiment, each ``NAME`` + ``build``.

They run on the same engine as the network-fault experiments (:mod:`chaos.experiments`: steady state →
inject → observe → roll back → verify) and each has a test that it fails when its guard is removed.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from chaos.experiments import Experiment
from harness.launch.inprocess import Deployment
from harness.pod_experiments import cpu_hog, freeze_wallet, kill_client, kill_knowledge
from harness.pod_experiments.support import PodPolicy

_MODULES: tuple[ModuleType, ...] = (kill_knowledge, freeze_wallet, kill_client, cpu_hog)
POD_LIBRARY: dict[str, Callable[[Deployment, PodPolicy], Experiment]] = {m.NAME: m.build for m in _MODULES}
