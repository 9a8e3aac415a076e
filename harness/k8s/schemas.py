"""Kubernetes JSON schemas of a pinned version, from the files kubernetes-validate's wheel ships.

Offline by construction: the schemas are package data (``kubernetes_validate/kubernetes-json-schema``,
one directory per minor version, strict variants rejecting unknown fields). kubernetes-validate's own
``validate()`` re-reads the 1.3 MB definitions file for every object (~50 ms each); this keeps one
validator per kind for the whole run, with the same files, the same draft and the same references.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from referencing import Registry, Resource


class SchemaUnavailable(Exception):
    """No bundled schema for this Kubernetes version or kind."""


def _schema_dir(version: str) -> Any:
    minor = re.sub(r"^v?(\d+\.\d+).*$", r"\1", version)
    directory = resources.files("kubernetes_validate") / "kubernetes-json-schema" / f"v{minor}.0-local-strict"
    if not directory.is_dir():
        raise SchemaUnavailable(f"kubernetes-validate bundles no schemas for Kubernetes {minor}")
    return directory


@cache
def _registry(version: str) -> Registry:
    definitions = json.loads((_schema_dir(version) / "_definitions.json").read_text())
    return Resource.from_contents(definitions) @ Registry()  # type: ignore[no-any-return, operator]


@cache
def validator(version: str, api_version: str, kind: str) -> jsonschema.protocols.Validator:
    """The strict validator of ``kind`` in ``api_version`` (``apps/v1`` → ``deployment-apps-v1.json``)."""
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = _schema_dir(version) / f"{kind.lower()}-{group}.json"
    if not path.is_file():
        raise SchemaUnavailable(f"no Kubernetes {version} schema for {kind} in {api_version}")
    schema = json.loads(path.read_text())
    registry = Resource.from_contents(schema) @ _registry(version)
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)  # type: ignore[call-arg]
