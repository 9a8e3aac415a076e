"""Client/gateway fixtures (until the pytest plugin re-exports them)."""

from harness.fixtures.client import mtls_material

__all__ = ["mtls_material"]
