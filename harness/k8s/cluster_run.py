"""``k8s test``: the scenarios against a running cluster, through the gateway's Service.

kubectl port-forwards the gateway (and Toxiproxy's API when the overlay deployed it) to free loopback
ports; each scenario's topology becomes a ``target`` pointing there, with the API key read from the
cluster's Secret. A scenario that needs what only a launched deployment offers (pod faults of the
process runner, the fake weather API's controls) fails in its own row, saying so.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from harness.k8s.cluster import NAMESPACE, PORTS, TOXIPROXY, TOXIPROXY_API_PORT
from harness.k8s.driver import ClusterUnavailable, api_key, kubectl, run_tool
from harness.k8s.settings import K8sSettings
from harness.scenario.model import Scenario, Target

API_KEY_ENV = "MCPH_K8S_GATEWAY_API_KEY"
FORWARD_READY_TIMEOUT_S = 30.0
FORWARDING = re.compile(r"Forwarding from 127\.0\.0\.1:(\d+) ->")


def retarget(scenario: Scenario, gateway: str, proxy_api: str | None) -> Scenario:
    """The same scenario, aimed at an already running deployment instead of launching one."""
    target = Target(gateway=gateway, api_key_env=API_KEY_ENV, proxy_api=proxy_api)
    topology = scenario.topology.model_copy(update={"target": target})
    return scenario.model_copy(update={"topology": topology})


def forwarded_port(lines: Iterator[str]) -> int | None:
    """The local port in kubectl port-forward's first lines (None if it never says)."""
    for line in lines:
        match = FORWARDING.search(line)
        if match:
            return int(match.group(1))
    return None


@contextmanager
def port_forward(settings: K8sSettings, service: str, port: int) -> Iterator[int]:
    """``kubectl port-forward svc/SERVICE :PORT`` for the duration; yields the local port."""
    argv = kubectl(settings, "-n", NAMESPACE, "port-forward", f"svc/{service}", f":{port}")
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        local = _await_forwarding(process, service)
        yield local
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _await_forwarding(process: subprocess.Popen[str], service: str) -> int:
    assert process.stdout is not None
    deadline = time.monotonic() + FORWARD_READY_TIMEOUT_S
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not selector.select(timeout=left):
                break
            line = process.stdout.readline()
            if not line:
                break
            port = forwarded_port(iter([line]))
            if port is not None:
                return port
    error = process.stderr.read() if process.poll() is not None and process.stderr else ""
    raise ClusterUnavailable(
        f"kubectl port-forward svc/{service} did not start: {error.strip() or 'timeout'}"
    )


def cluster_reachable(settings: K8sSettings) -> None:
    """Raise :class:`ClusterUnavailable` unless kubectl reaches the cluster and our namespace is there."""
    try:
        run_tool(kubectl(settings, "get", "namespace", NAMESPACE, "-o", "name"), timeout_s=30)
    except ClusterUnavailable as exc:
        raise ClusterUnavailable(
            f"no cluster with namespace {NAMESPACE} (run `mcp-harness k8s up`): {exc}"
        ) from None


def has_toxiproxy(settings: K8sSettings) -> bool:
    try:
        run_tool(kubectl(settings, "-n", NAMESPACE, "get", "service", TOXIPROXY, "-o", "name"), timeout_s=30)
    except ClusterUnavailable:
        return False
    return True


def run_in_cluster(settings: K8sSettings, names: list[str], report_dir: Path) -> int:
    """Exit code of the run: 0 every scenario held, 1 one failed; :class:`ClusterUnavailable` before any."""
    import anyio
    from rich.console import Console

    from harness.commands.run import run_all
    from harness.commands.run_display import RunDisplay, print_failures, verdict_table
    from harness.report import write_all
    from harness.scenario.catalogue import choose, load_all

    if shutil.which("kubectl") is None:
        raise ClusterUnavailable("kubectl is not on PATH: no cluster to test")
    cluster_reachable(settings)
    key = api_key(settings)
    chosen = load_all(choose(names))
    report_dir.mkdir(parents=True, exist_ok=True)
    console = Console()
    with ExitStack() as stack:
        gateway_port = stack.enter_context(port_forward(settings, "gateway", PORTS["gateway"]))
        proxy_api = None
        if has_toxiproxy(settings):
            proxy_port = stack.enter_context(port_forward(settings, TOXIPROXY, TOXIPROXY_API_PORT))
            proxy_api = f"http://127.0.0.1:{proxy_port}"
            os.environ["MCPH_TOXIPROXY_URL"] = (
                proxy_api  # the real Toxiproxy, for anything reading chaos settings
            )
        gateway = f"http://127.0.0.1:{gateway_port}/mcp"
        console.print(f"cluster gateway {gateway}, toxiproxy {proxy_api or 'not deployed'}", markup=False)
        retargeted = [(path, retarget(s, gateway, proxy_api)) for path, s in chosen]
        os.environ[API_KEY_ENV] = key  # where a target scenario reads its key (Target.api_key_env)
        with RunDisplay(console, [s.name for _, s in retargeted]) as display:
            report = anyio.run(run_all, retargeted, report_dir, display, None)
    console.print(verdict_table(report))
    print_failures(console, report)
    write_all(report, report_dir)
    return int(report.exit_code)
