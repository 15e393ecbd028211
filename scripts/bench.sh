#!/usr/bin/env bash
# Performance numbers of issue #4, against a local `serve` on loopback:
#   1. wall time of one condor_token_fetch process (median of RUNS)
#   2. serve throughput of complete new-session fetches, 32 concurrent clients
#   3. a load test of 10,000 fetches at 32-way concurrency (must have zero errors)
#   4. RSS of serve with 1,000 pending token requests
# Also the Go micro-benchmarks of the protocol packages. Loopback only; every
# loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
RUNS="${RUNS:-200}"
work=$(mktemp -d "${TMPDIR:-/tmp}/condor-auth-bench.XXXXXX")
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

scripts/build-static.sh "$work/bin/condor-auth" >/dev/null
go build -o "$work/bin/loadtest" ./scripts/loadtest
"$work/bin/condor-auth" install-links "$work/bin" >/dev/null
export PATH="$work/bin:$PATH"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 29618)
cat > "$work/condor_config" <<CONF
LOCAL_DIR = $work/local
TRUST_DOMAIN = bench.local
UID_DOMAIN = bench.local
CONDOR_HOST = 127.0.0.1
COLLECTOR_HOST = 127.0.0.1:$port
use SECURITY : recommended
SEC_TOKEN_DIRECTORY = \$(LOCAL_DIR)/tokens.d
CONDOR_AUTH_TOKEN_REQUEST_RATE = -1
CONF
export CONDOR_CONFIG="$work/condor_config"
condor-auth serve --foreground 2>"$work/serve.log" &
pid=$!
for _ in $(seq 100); do [ -e "$work/local/log/.collector_address" ] && break; sleep 0.05; done

echo "== 1. one condor_token_fetch process, $RUNS runs one after another (p50 = median)"
# loadtest -mode exec times fork+exec+run+exit+wait of the process itself;
# a shell loop with date(1) around it would add two more processes per run.
condor_token_fetch >/dev/null # warm the page cache
loadtest -mode exec -n "$RUNS" -c 1 -- "$work/bin/condor_token_fetch"
echo "   for scale, the same for the version command (process start-up only):"
loadtest -mode exec -n "$RUNS" -c 1 -- "$work/bin/condor-auth" version

echo "== 2./3. new-session fetches, 32 concurrent clients, 10,000 fetches"
loadtest -mode fetch -n 10000 -c 32
echo "== resumed-session fetches, 32 concurrent clients"
loadtest -mode fetch-resume -n 10000 -c 32

echo "== 4. RSS of serve with 1,000 pending requests"
loadtest -mode request -n 1000 -c 8
grep -E 'VmRSS|VmHWM' "/proc/$pid/status"

echo "== Go micro-benchmarks"
go test -run='^$' -bench=. -benchtime=2000x ./pkg/cedar/ ./pkg/cedar/security/... ./pkg/idtoken/ 2>/dev/null | grep -E '^Benchmark|^ok' || true
