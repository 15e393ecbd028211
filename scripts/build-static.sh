#!/usr/bin/env bash
# Builds the static, stripped, version-stamped binary.
# Usage: scripts/build-static.sh [OUTPUT]   (default bin/condor-auth)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
out="${1:-bin/condor-auth}"
version="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
mkdir -p "$(dirname "$out")"
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/condor-auth/condor-auth/commands/cmdutil.Version=${version}" \
  -o "$out" .
echo "built $out ($version)"
