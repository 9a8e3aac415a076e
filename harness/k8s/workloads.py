"""Deployments, Services and ConfigMaps of the cluster, as plain dicts built from the cluster topology.

Every pod runs as a non-root user with a read-only root filesystem, no privilege escalation, every
capability dropped and the runtime's seccomp profile; writable paths are emptyDirs. App services run the
project's image as ``python -m harness.launch.service /etc/mcph/config/service.json``, the entry point of
the process runner's children. Probes: the gateway's ``/healthz``; services behind mTLS (servers, client)
get TCP probes, because the kubelet presents no client certificate; Redis answers ``redis-cli ping``.
"""

from __future__ import annotations

from typing import Any

from harness.k8s.cluster import (
    APP_LABEL,
    IMAGE,
    IMAGE_TAG,
    MONGO_IMAGE,
    PART_OF,
    PART_OF_LABEL,
    PORTS,
    REDIS_IMAGE,
)
from harness.k8s.configs import CONFIG_DIR, CONFIG_FILE, GATEWAY_EDGE_DIR, SERVERS_EDGE_DIR
from harness.topology import Topology

APP_UID = 10001  # the image's user (deploy/Dockerfile)
STORE_UID = 999  # the redis and mongo images' own user
Manifest = dict[str, Any]

# Which Secret each pod mounts where: a pod gets only its half of an mTLS edge.
TLS_MOUNTS: dict[str, list[tuple[str, str]]] = {
    "weather": [("mtls-servers-serve", SERVERS_EDGE_DIR)],
    "wallet": [("mtls-servers-serve", SERVERS_EDGE_DIR)],
    "knowledge": [("mtls-servers-serve", SERVERS_EDGE_DIR)],
    "client": [("mtls-servers-connect", SERVERS_EDGE_DIR), ("mtls-gateway-edge-serve", GATEWAY_EDGE_DIR)],
    "gateway": [("mtls-gateway-edge-connect", GATEWAY_EDGE_DIR)],
}
API_KEYS_SECRET = "gateway-api-keys"


def labels(name: str) -> dict[str, str]:
    return {APP_LABEL: name, PART_OF_LABEL: PART_OF}


def meta(name: str, kind: str) -> Manifest:
    return {"name": name, "labels": labels(kind)}


def container_security(uid: int) -> Manifest:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
    }


def pod_security(uid: int) -> Manifest:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> Manifest:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu_limit, "memory": memory_limit}}


def probes(kind: str, port: int) -> Manifest:
    if kind == "gateway":
        check: Manifest = {"httpGet": {"path": "/healthz", "port": port}}
    elif kind == "redis":
        check = {"exec": {"command": ["redis-cli", "-p", str(port), "ping"]}}
    else:
        check = {"tcpSocket": {"port": port}}
    return {
        "readinessProbe": {**check, "periodSeconds": 5, "timeoutSeconds": 2, "failureThreshold": 3},
        "livenessProbe": {**check, "initialDelaySeconds": 10, "periodSeconds": 10, "timeoutSeconds": 2},
    }


def deployment(name: str, pod_spec: Manifest) -> Manifest:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, name),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {APP_LABEL: name}},
            "template": {"metadata": {"labels": labels(name)}, "spec": pod_spec},
        },
    }


def service(name: str, port: int) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(name, name),
        "spec": {
            "type": "ClusterIP",
            "selector": {APP_LABEL: name},
            "ports": [{"name": "tcp", "port": port, "targetPort": port, "protocol": "TCP"}],
        },
    }


def app_workload(name: str, kind: str, config_json: str, cpu_limit: str = "1") -> list[Manifest]:
    """ConfigMap, Deployment and Service of one app service (gateway, client, servers, fake API)."""
    port = PORTS[name]
    mounts = [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}]
    mounts.append({"name": "tmp", "mountPath": "/tmp"})
    volumes: list[Manifest] = [
        {"name": "config", "configMap": {"name": f"{name}-config"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
    ]
    for index, (secret, path) in enumerate(TLS_MOUNTS.get(name, [])):
        volumes.append({"name": f"tls-{index}", "secret": {"secretName": secret, "defaultMode": 0o440}})
        mounts.append({"name": f"tls-{index}", "mountPath": path, "readOnly": True})
    env: list[Manifest] = [{"name": "HOME", "value": "/tmp"}]
    if kind == "gateway":
        key_ref = {"secretKeyRef": {"name": API_KEYS_SECRET, "key": "api-keys.json"}}
        env.append({"name": "MCPH_GATEWAY_API_KEYS", "valueFrom": key_ref})
    container = {
        "name": name,
        "image": f"{IMAGE}:{IMAGE_TAG}",
        "imagePullPolicy": "IfNotPresent",
        "command": ["python", "-m", "harness.launch.service", f"{CONFIG_DIR}/{CONFIG_FILE}"],
        "env": env,
        "ports": [{"name": "tcp", "containerPort": port, "protocol": "TCP"}],
        **probes(kind, port),
        "resources": resources("50m", "128Mi", cpu_limit, "512Mi"),
        "securityContext": container_security(APP_UID),
        "volumeMounts": mounts,
    }
    pod = {
        "automountServiceAccountToken": False,
        "securityContext": pod_security(APP_UID),
        "containers": [container],
        "volumes": volumes,
    }
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta(f"{name}-config", name),
        "data": {CONFIG_FILE: config_json},
    }
    return [config_map, deployment(name, pod), service(name, port)]


def store_workload(name: str, cpu_limit: str = "1") -> list[Manifest]:
    """Redis or Mongo on their public images, data on an emptyDir (state dies with the pod, as in tests)."""
    port = PORTS[name]
    if name == "redis":
        image, args, data = (
            REDIS_IMAGE,
            ["--save", "", "--appendonly", "no", "--protected-mode", "no"],
            "/data",
        )
        command = ["redis-server"]
    else:
        image, args, data = MONGO_IMAGE, ["--bind_ip_all", "--port", str(port)], "/data/db"
        command = ["mongod"]
    container = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "args": args,
        "ports": [{"name": "tcp", "containerPort": port, "protocol": "TCP"}],
        **probes(name, port),
        "resources": resources("50m", "64Mi" if name == "redis" else "256Mi", cpu_limit, "1Gi"),
        "securityContext": container_security(STORE_UID),
        "volumeMounts": [{"name": "data", "mountPath": data}, {"name": "tmp", "mountPath": "/tmp"}],
    }
    pod = {
        "automountServiceAccountToken": False,
        "securityContext": pod_security(STORE_UID),
        "containers": [container],
        "volumes": [{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }
    return [deployment(name, pod), service(name, port)]


def workloads(topology: Topology, configs: dict[str, str]) -> dict[str, list[Manifest]]:
    """Every service's manifests, by service name (``configs``: each app service's service.json)."""
    out: dict[str, list[Manifest]] = {}
    for svc in topology.services:
        # The topology's CPU limit (what the process runner enforces with a cgroup quota), else one core.
        cpu = f"{svc.cpu_limit_millicores}m" if svc.cpu_limit_millicores else "1"
        if svc.kind == "backend":
            out[svc.name] = store_workload(svc.name, cpu)
        else:
            out[svc.name] = app_workload(svc.name, svc.kind, configs[svc.name], cpu)
    return out
