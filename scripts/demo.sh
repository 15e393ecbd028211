#!/usr/bin/env bash
# The main job, end to end, in a throw-away directory: the embedded daemon
# on a free loopback port, a token fetch, a token request approved by the
# administrator, listings, local token creation, and a stored OAuth
# credential; then the daemon is stopped and everything removed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/condor-auth-demo.XXXXXX")
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "build"
scripts/build-static.sh "$work/bin/condor-auth"
bin="$work/bin"
export PATH="$bin:$PATH"

step "configuration (a private pool in $work)"
mkdir -p "$work/local/oauth_credentials"
chmod 0700 "$work/local/oauth_credentials"
cat > "$work/condor_config" <<CONF
LOCAL_DIR = $work/local
ETC = \$(LOCAL_DIR)/etc
TRUST_DOMAIN = demo.example
UID_DOMAIN = demo.example
CONDOR_HOST = 127.0.0.1
# port 0: a free loopback port, published in the collector address file
COLLECTOR_HOST = 127.0.0.1:0
use SECURITY : recommended
SEC_TOKEN_DIRECTORY = \$(LOCAL_DIR)/tokens.d
SEC_CREDENTIAL_DIRECTORY_OAUTH = \$(LOCAL_DIR)/oauth_credentials
CONF
export CONDOR_CONFIG="$work/condor_config"
cat "$CONDOR_CONFIG"
condor-auth config TRUST_DOMAIN SEC_TOKEN_POOL_SIGNING_KEY_FILE SEC_TOKEN_DIRECTORY

step "start the embedded daemon (condor-auth serve)"
condor-auth serve --log "$work/serve.log" &
pid=$!
for _ in $(seq 200); do [ -e "$work/local/log/.collector_address" ] && break; sleep 0.05; done
head -1 "$work/local/log/.collector_address"

step "install the legacy names as symlinks"
condor-auth install-links "$bin"

step "condor_token_create (legacy name): token on stdout"
condor_token_create -identity alice@demo.example -authz READ -lifetime 3600

step "condor_token_create -token: written into the token directory"
condor_token_create -id bob@demo.example -token bob
ls -l "$work/local/tokens.d"

step "condor-auth token create --lifetime 10m -o json"
condor-auth token create --identity carol@demo.example --lifetime 10m --token carol -o json

step "condor_token_list (legacy output)"
condor_token_list

step "condor-auth token list (issuer, key, expiry, time left, usability)"
chmod 0644 "$work/local/tokens.d/bob"   # HTCondor would refuse this file: see the STATUS column
condor-auth token list

step "condor_token_fetch: a token for my own identity from the daemon"
condor_token_fetch -lifetime 600 -authz READ -token fetched
condor-auth token list --file "$work/local/tokens.d/fetched"

step "condor-auth ping: who am I to the daemon, and how"
condor-auth ping --type collector

step "token request for dave (modern, --no-wait), listed and approved by the administrator"
reqid=$(condor-auth token request --identity dave@demo.example --authz READ --lifetime 1h --no-wait)
echo "request id: $reqid"
condor_token_request_list
echo yes | condor_token_request_approve -reqid "$reqid"

step "collect the approved token"
condor-auth token request finish "$reqid" --file "$work/dave.token"
condor-auth token list --file "$work/dave.token"

step "store and query an OAuth credential (condor_store_cred)"
printf '{"refresh_token":"demo-refresh-token"}' > "$work/mysvc.cred"
condor_store_cred add-oauth -s mysvc -i "$work/mysvc.cred"
condor_store_cred query-oauth -s mysvc
condor-auth cred query --type oauth --service mysvc -o json

step "stop the daemon"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
tail -3 "$work/serve.log"
echo
echo "demo finished"
