#!/usr/bin/env bash
# The main job, end to end, in a throw-away directory. Today it shows the
# local half (signing key, token create, token list, legacy names); the
# network half (serve, fetch, request/approve, stored credential) joins as
# those features land.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/condor-auth-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "build"
scripts/build-static.sh "$work/bin/condor-auth"
bin="$work/bin"
export PATH="$bin:$PATH"

step "configuration (a private pool in $work)"
mkdir -p "$work/local"
cat > "$work/condor_config" <<CONF
LOCAL_DIR = $work/local
ETC = \$(LOCAL_DIR)/etc
TRUST_DOMAIN = demo.example
UID_DOMAIN = demo.example
SEC_TOKEN_DIRECTORY = \$(LOCAL_DIR)/tokens.d
CONF
export CONDOR_CONFIG="$work/condor_config"
cat "$CONDOR_CONFIG"
condor-auth config TRUST_DOMAIN SEC_TOKEN_POOL_SIGNING_KEY_FILE SEC_TOKEN_DIRECTORY

step "create the POOL signing key (as a collector does)"
condor-auth token keygen

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

step "network commands (serve, fetch, request/approve, credentials)"
condor-auth token fetch || echo "(exit status $?)"
echo
echo "demo finished"
