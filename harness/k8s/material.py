"""The deployment's secret material, written beside the base (``deploy/k8s/base/certs``, never committed).

Two mTLS edges, each with its own CA (``mcp-harness certs`` once per edge, as the launcher does), for
every name the Services answer to, and the gateway's API key: the plain key (``api-key``, what callers
present) and its hashed entry (``api-keys.json``, what the gateway's ``MCPH_GATEWAY_API_KEYS`` holds).
Existing material is kept, so re-rendering does not rotate keys under a running cluster.
"""

from __future__ import annotations

import json
from pathlib import Path

from client.auth import mint_dev_api_key
from harness.k8s.cluster import PORTS, TOXIPROXY, dns_names
from harness.k8s.generate import SECRETS
from harness.launch.certs import run_certificates

CERTS_DIR = "certs"


def required_files(base: Path) -> list[Path]:
    return sorted({base / CERTS_DIR / f for files in SECRETS.values() for f in files})


def missing_material(base: Path) -> list[Path]:
    return [p for p in required_files(base) if not p.is_file()]


def ensure_material(base: Path) -> list[Path]:
    """Write whatever of the material is missing (all of it when anything of an edge is); return what was written."""
    directory = base / CERTS_DIR
    written: list[Path] = []
    if any(p.suffix == ".pem" for p in missing_material(base)):
        hosts = [n for name in (*PORTS, TOXIPROXY) for n in dns_names(name)]
        run_certificates(directory, hosts, gateway_edge=True)
        written += [p for p in required_files(base) if p.suffix == ".pem"]
    key_file, entries_file = directory / "api-key", directory / "api-keys.json"
    if not key_file.is_file() or not entries_file.is_file():
        key, entry = mint_dev_api_key("dev")
        directory.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key)
        entries_file.write_text(json.dumps([entry.model_dump(mode="json")]) + "\n")
        for path in (key_file, entries_file):
            path.chmod(0o600)
        written += [key_file, entries_file]
    return written
