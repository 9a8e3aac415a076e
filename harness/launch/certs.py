"""Certificates of one run: one CA per mTLS edge, so a certificate of one edge opens nothing on the other.

client → servers: the servers serve ``server.pem`` and require a client certificate of their CA, which only
the client holds. gateway → client (``gateway-edge/``): the client app serves ``server.pem`` of a second
CA and only the gateway holds that CA's client certificate.
"""

from __future__ import annotations

from pathlib import Path

from harness.commands.certs import generate_certs
from harness.launch.wiring import CertFiles


def run_certificates(
    directory: Path, hosts: list[str], *, gateway_edge: bool
) -> tuple[CertFiles, CertFiles | None]:
    """Write the run's certificates under ``directory`` (``hosts``: extra names the servers answer to)."""
    generate_certs(directory, hosts, force=True)
    if not gateway_edge:
        return CertFiles(directory), None
    edge = directory / "gateway-edge"
    generate_certs(
        edge, hosts, force=True, server_name="mcp-harness client app", client_name="mcp-harness gateway"
    )
    return CertFiles(directory), CertFiles(edge)
