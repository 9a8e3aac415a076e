"""The main job (`mcp-harness run`): launch the embedded deployment and prove it, suite by suite.

Suites: ``deployment`` (every tool of every server through the gateway, both protocol versions, auth),
``wallet`` (concurrent transfers with retried idempotency keys; invariants), ``retrieval`` (recall@5 of
the shipped corpus through the gateway), ``contract`` (the contract suite on each server over stdio and on
the gateway), ``chaos`` (the fault-injection experiments). Each suite yields :class:`~harness.report.Outcome`s.
"""

from __future__ import annotations

from harness.mainjob.job import SUITES, MainJobOptions, run_main_job

__all__ = ["SUITES", "MainJobOptions", "run_main_job"]
