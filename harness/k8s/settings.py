"""Which cluster ``k8s up|down|test`` drive, as settings (``MCPH_K8S_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class K8sSettings(BaseSettings):
    """``cluster=kind`` creates and deletes a local kind cluster (needs Docker, kind, kubectl);
    ``cluster=existing`` deploys to kubectl's ``context`` and leaves the cluster itself alone."""

    model_config = SettingsConfigDict(env_prefix="MCPH_K8S_", extra="ignore")

    cluster: Literal["kind", "existing"] = "kind"
    kind_name: str = Field(default="mcph", pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")
    kind_config: Path = Path("deploy/kind.yaml")
    context: str | None = Field(default=None, description="kubectl context; kind-<kind_name> for kind")
    overlay: str = "dev"
    root: Path = Path("deploy/k8s")
    image: str = Field(default="mcp-harness:dev", description="what `up` builds and loads into kind")
    dockerfile: Path = Path("deploy/Dockerfile")
    rollout_timeout_s: int = Field(default=300, ge=10)

    def kube_context(self) -> str | None:
        return self.context or (f"kind-{self.kind_name}" if self.cluster == "kind" else None)
