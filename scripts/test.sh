#!/usr/bin/env bash
# Runs every check of the project: formatting, vet, the race-enabled test
# suite, every fuzz target for a few seconds, and the static-build checks.
# Usage: scripts/test.sh            (FUZZTIME=3s by default; FUZZTIME=0 skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
FUZZTIME="${FUZZTIME:-3s}"
start=$SECONDS
elapsed() { echo "   ($((SECONDS - start))s so far)"; }

echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then echo "gofmt would change:"; echo "$bad"; exit 1; fi

echo "== go vet"
go vet ./...

elapsed
echo "== go test -race"
go test -race -count=1 ./...
elapsed

if [ "$FUZZTIME" != "0" ]; then
  echo "== fuzz targets ($FUZZTIME each)"
  for pkg in $(go list ./...); do
    targets=$(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true)
    for t in $targets; do
      echo "-- $pkg $t"
      if ! go test -run='^$' -fuzz="^${t}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=1s "$pkg" > /tmp/fuzz.$$.log 2>&1; then
        # Go 1.26's fuzz coordinator can report "context deadline exceeded"
        # when -fuzztime ends while a worker is busy (golang/go#75804, fixed
        # in 1.27). A real failure always writes its input; this does not.
        if grep -q 'context deadline exceeded' /tmp/fuzz.$$.log && ! grep -q 'Failing input written to' /tmp/fuzz.$$.log; then
          echo "   (ignored: fuzz coordinator deadline race, golang/go#75804, no failing input)"
        else
          cat /tmp/fuzz.$$.log; exit 1
        fi
      fi
    done
  done
  rm -f /tmp/fuzz.$$.log
  elapsed
fi

echo "== static build"
scripts/build-static.sh bin/condor-auth
size=$(stat -c %s bin/condor-auth)
echo "binary size: $size bytes"
if [ "$size" -ge $((15*1024*1024)) ]; then echo "binary is larger than 15 MB"; exit 1; fi
desc=$(file bin/condor-auth)
echo "$desc"
case "$desc" in
  *"statically linked"*|*"static-pie linked"*) ;;
  *) echo "binary is not statically linked"; exit 1 ;;
esac
elapsed
echo "== all checks passed"
