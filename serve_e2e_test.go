package main

// End-to-end tests of `condor-auth serve` driven by the legacy-named
// symlinks and the modern verbs, as separate processes over loopback.

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

type daemon struct {
	env   []string
	local string
	bin   string // directory with the legacy links
	cmd   *exec.Cmd
	log   string
}

// servePool writes a private configuration and returns it; start() runs
// serve on it.
func servePool(t *testing.T) *daemon {
	t.Helper()
	return servePoolWith(t, "")
}

// servePoolWith is servePool with extra configuration lines appended
// (later lines win, as in condor_config).
func servePoolWith(t *testing.T, extra string) *daemon {
	t.Helper()
	dir := t.TempDir()
	local := filepath.Join(dir, "local")
	conf := "LOCAL_DIR = " + local + "\nTRUST_DOMAIN = e2e.local\nUID_DOMAIN = e2e.local\nCONDOR_HOST = 127.0.0.1\n" +
		"COLLECTOR_HOST = 127.0.0.1:0\nuse SECURITY : recommended\n" +
		"SEC_TOKEN_DIRECTORY = $(LOCAL_DIR)/tokens.d\n" +
		"SEC_CREDENTIAL_DIRECTORY_OAUTH = $(LOCAL_DIR)/oauth_credentials\n" +
		"CONDOR_AUTH_TOKEN_REQUEST_MAX = 3\n" + extra
	cfgPath := filepath.Join(dir, "condor_config")
	if err := os.WriteFile(cfgPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return &daemon{
		env:   []string{"CONDOR_CONFIG=" + cfgPath, "HOME=" + dir, "USER=tester", "PATH=/usr/bin:/bin"},
		local: local, bin: links(t), log: filepath.Join(dir, "serve.log"),
	}
}

func (d *daemon) start(t *testing.T) {
	t.Helper()
	logf, err := os.OpenFile(d.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	d.cmd = exec.Command(binary, "serve", "--foreground")
	d.cmd.Env = d.env
	d.cmd.Stderr = logf
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logf.Close()
	addrFile := filepath.Join(d.local, "log", ".collector_address")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(addrFile); err == nil {
			return
		}
		if time.Now().After(deadline) {
			data, _ := os.ReadFile(d.log)
			t.Fatalf("serve did not publish %s; log:\n%s", addrFile, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (d *daemon) stop(t *testing.T) {
	t.Helper()
	if d.cmd == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v", err)
		}
	case <-time.After(15 * time.Second):
		_ = d.cmd.Process.Kill()
		t.Error("serve did not stop within 15s of SIGTERM")
	}
	d.cmd = nil
}

func (d *daemon) tool(t *testing.T, stdin, name string, args ...string) result {
	t.Helper()
	return run(t, d.env, stdin, filepath.Join(d.bin, name), args...)
}

func (d *daemon) modern(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return run(t, d.env, stdin, binary, args...)
}

func (d *daemon) poolKey(t *testing.T) idtoken.KeyConfig {
	return idtoken.KeyConfig{PoolKeyFile: filepath.Join(d.local, "passwords.d", "POOL"), Uid: os.Getuid()}
}

func TestServeFetchAndPing(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	d.start(t)
	defer d.stop(t)

	r := d.tool(t, "", "condor_token_fetch", "-lifetime", "600", "-authz", "READ")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("condor_token_fetch: %+v\nlog: %s", r, readFile(d.log))
	}
	tok, err := idtoken.Verify(strings.TrimSpace(r.stdout), idtoken.VerifyOptions{Keys: d.poolKey(t), Now: time.Now()})
	if err != nil {
		t.Fatalf("fetched token does not verify with the daemon's POOL key: %v", err)
	}
	c := tok.Claims
	if c.Iss != "e2e.local" || !c.HasExp || c.Exp-c.Iat != 600 || strings.Join(c.Authz, ",") != "READ" || !strings.HasSuffix(c.Sub, "@e2e.local") {
		t.Fatalf("claims %+v", c)
	}

	// -token NAME writes into the token directory, 0600 in 0700.
	r = d.tool(t, "", "condor_token_fetch", "-to", "fetched")
	p := filepath.Join(d.local, "tokens.d", "fetched")
	if fi, err := os.Stat(p); r.code != 0 || err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("fetch -token: %+v %v", r, err)
	}

	// -key that the daemon will not sign with (tokens.md §10).
	r = d.tool(t, "", "condor_token_fetch", "-key", "named")
	if r.code != 1 || r.stderr != "Failed to request a session token: DAEMON:3:Server will not sign with requested key.\n" {
		t.Fatalf("fetch -key named: %+v", r)
	}

	// The modern verb and ping.
	r = d.modern(t, "", "token", "fetch", "--lifetime", "5m", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"token": "eyJ`) {
		t.Fatalf("token fetch -o json: %+v", r)
	}
	r = d.modern(t, "", "ping", "--type", "collector", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"encrypted": true`) {
		t.Fatalf("ping: %+v", r)
	}
}

var reqIDRe = regexp.MustCompile(`^[0-9]{7}$`)

func TestServeRequestApproveRestart(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	d.start(t)
	defer func() { d.stop(t) }()

	// A request that will be approved, and one left pending across a restart.
	r := d.modern(t, "", "token", "request", "--identity", "bob@e2e.local", "--authz", "READ", "--lifetime", "300", "--no-wait", "-o", "json")
	if r.code != 0 {
		t.Fatalf("request --no-wait: %+v\nlog: %s", r, readFile(d.log))
	}
	var started struct {
		RequestID string `json:"request_id"`
		ClientID  string `json:"client_id"`
		Status    string `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &started); err != nil || started.Status != "pending" {
		t.Fatalf("request --no-wait -o json: %v %+v", err, r)
	}
	id, clientID := started.RequestID, started.ClientID
	r = d.modern(t, "", "token", "request", "--identity", "carol@e2e.local", "--no-wait")
	pending := strings.TrimSuffix(r.stdout, "\n")
	if !reqIDRe.MatchString(id) || !reqIDRe.MatchString(pending) {
		t.Fatalf("no request ids: %q / %+v", id, r)
	}

	// Legacy list shows both, in the long format.
	r = d.tool(t, "", "condor_token_request_list")
	if r.code != 0 || !strings.Contains(r.stdout, `RequestId = "`+id+`"`) || !strings.Contains(r.stdout, `RequestedIdentity = "carol@e2e.local"`) {
		t.Fatalf("request_list: %+v", r)
	}

	// Legacy approve: the prompt, then anything but yes refuses.
	r = d.tool(t, "no\n", "condor_token_request_approve", "-reqid", id)
	if r.code != 1 || r.stderr != "Request was NOT approved.\n" || !strings.HasPrefix(r.stdout, "Request contents:\n") ||
		!strings.Contains(r.stdout, "\nTo approve, please type 'yes'\n") {
		t.Fatalf("approve (no): %+v", r)
	}
	r = d.tool(t, "yes\n", "condor_token_request_approve", "-reqid", id)
	if r.code != 0 || !strings.HasSuffix(r.stdout, "Request "+id+" approved successfully.\n") {
		t.Fatalf("approve (yes): %+v", r)
	}

	// The pending-request limit (CONDOR_AUTH_TOKEN_REQUEST_MAX = 3) answers.
	d.modern(t, "", "token", "request", "--identity", "dave@e2e.local", "--no-wait")
	r = d.tool(t, "", "condor_token_request", "-identity", "eve@e2e.local")
	if r.code != 1 || r.stdout != "" || r.stderr != "Failed to request a new token: DAEMON:3:Too many requests in the system.\n" {
		t.Fatalf("limit: %+v", r)
	}

	// Restart: the pending request is still there.
	d.stop(t)
	if _, err := os.Stat(filepath.Join(d.local, "log", ".collector_address")); !os.IsNotExist(err) {
		t.Fatalf("address file left after shutdown: %v", err)
	}
	state := filepath.Join(d.local, "spool", "condor_auth_token_requests.json")
	if fi, err := os.Stat(state); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file %s: %v %v", state, fi, err)
	}
	d.start(t)
	r = d.modern(t, "", "token", "requests", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, pending) {
		t.Fatalf("requests after restart: %+v", r)
	}
	// Exactly as before the restart (real-tools.md §20).
	carol := pendingReq{id: pending, clientID: clientIDOf(t), authn: selfFQU(), requested: "carol@e2e.local", lifetime: -1}
	want(t, "list after restart", d.bare(t, nil, "", "condor_token_request_list", "-reqid", pending), 0, carol.longBlock(), "")
	// Approved before the restart, collected after it: the modern verbs
	// send <hostname>-u<uid> as the client id (token.ModernClientID), which
	// the --no-wait reply reports and `finish` uses by default.
	if clientID != clientIDOf(t) {
		t.Fatalf("the request was made with client id %q, want %q", clientID, clientIDOf(t))
	}
	r = d.modern(t, "", "token", "request", "finish", id, "--client-id", clientID, "-o", "json")
	tok := jsonToken(t, r)
	if c := claimsOf(t, tok); c["sub"] != "bob@e2e.local" || c["scope"] != "condor:/READ" || num(c["exp"])-num(c["iat"]) != 300 {
		t.Fatalf("token collected after the restart: %v", c)
	}
	// One-shot: collected once, then forgotten (tokens.md §3.3).
	r = d.modern(t, "", "token", "request", "finish", id)
	if r.code != 1 || !strings.Contains(r.stderr, "DAEMON:3:Request ID is not known.") {
		t.Fatalf("second finish: %+v", r)
	}
	r = d.modern(t, "", "token", "approve", "--reqid", pending, "--yes")
	if r.code != 0 || r.stdout != "Request "+pending+" approved.\n" {
		t.Fatalf("modern approve after restart: %+v", r)
	}
	// finish without --client-id: the same default id.
	r = d.modern(t, "", "token", "request", "finish", pending, "-o", "json")
	if c := claimsOf(t, jsonToken(t, r)); c["sub"] != "carol@e2e.local" {
		t.Fatalf("carol's token: %v", c)
	}
}

// clientIDOf is the client id of the modern verbs run by this process's
// user (token.ModernClientID).
func clientIDOf(t *testing.T) string {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return host + "-u" + strconv.Itoa(os.Getuid())
}

func TestServeStoreCred(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	// The credential directory is the administrator's to create, as with
	// HTCondor's credd.
	if err := os.MkdirAll(filepath.Join(d.local, "oauth_credentials"), 0o700); err != nil {
		t.Fatal(err)
	}
	d.start(t)
	defer d.stop(t)
	cred := filepath.Join(t.TempDir(), "cred")
	if err := os.WriteFile(cred, []byte(`{"refresh_token":"r1"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := d.tool(t, "", "condor_store_cred", "add-oauth", "-s", "mysvc", "-i", cred)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "Account: ") || !strings.Contains(r.stdout, "CredType: oauth\n\n") {
		t.Fatalf("add-oauth: %+v\nlog: %s", r, readFile(d.log))
	}
	r = d.tool(t, "", "condor_store_cred", "query-oauth", "-s", "mysvc")
	if r.code != 0 {
		t.Fatalf("query-oauth: %+v", r)
	}
	r = d.modern(t, "", "cred", "query", "--type", "oauth", "--service", "mysvc", "-o", "json")
	if r.code != 0 {
		t.Fatalf("cred query: %+v", r)
	}
	// The stored file: <dir>/<user>/mysvc.top, 0600, the bytes as sent.
	matches, _ := filepath.Glob(filepath.Join(d.local, "oauth_credentials", "*", "mysvc.top"))
	if len(matches) != 1 {
		t.Fatalf("stored files: %v", matches)
	}
	data, err := os.ReadFile(matches[0])
	fi, _ := os.Stat(matches[0])
	if err != nil || string(data) != `{"refresh_token":"r1"}` || fi.Mode().Perm() != 0o600 {
		t.Fatalf("stored credential %q mode %v: %v", data, fi.Mode(), err)
	}
}

func readFile(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}
