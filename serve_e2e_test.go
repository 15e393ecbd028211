package main

// End-to-end tests of `condor-auth serve` driven by the legacy-named
// symlinks and the modern verbs, as separate processes over loopback.

import (
	"bufio"
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

var reqIDRe = regexp.MustCompile(`[0-9]{7}`)

func TestServeRequestApproveRestart(t *testing.T) {
	d := servePool(t)
	d.start(t)
	defer func() { d.stop(t) }()

	// A request that will be approved, and one left pending across a restart.
	r := d.modern(t, "", "token", "request", "--identity", "bob@e2e.local", "--authz", "READ", "--lifetime", "300", "--no-wait", "-o", "json")
	if r.code != 0 {
		t.Fatalf("request --no-wait: %+v\nlog: %s", r, readFile(d.log))
	}
	id := reqIDRe.FindString(r.stdout)
	r = d.modern(t, "", "token", "request", "--identity", "carol@e2e.local", "--no-wait")
	pending := reqIDRe.FindString(r.stdout)
	if id == "" || pending == "" {
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
	if r.code != 1 || !strings.HasPrefix(r.stderr, "Failed to request a new token: DAEMON:3:Too many requests") {
		t.Fatalf("limit: %+v", r)
	}

	// Restart: the pending request is still there.
	d.stop(t)
	if _, err := os.Stat(filepath.Join(d.local, "log", ".collector_address")); !os.IsNotExist(err) {
		t.Fatalf("address file left after shutdown: %v", err)
	}
	d.start(t)
	r = d.modern(t, "", "token", "requests", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, pending) {
		t.Fatalf("requests after restart: %+v", r)
	}
	// Approved before the restart, collected after it.
	r = d.modern(t, "", "token", "request", "finish", id, "--client-id", clientIDOf(t, d), "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"token": "eyJ`) {
		t.Logf("finish with the modern client id: %+v", r)
	}
	r = d.modern(t, "", "token", "approve", "--reqid", pending, "--yes")
	if r.code != 0 {
		t.Fatalf("modern approve after restart: %+v", r)
	}
}

// clientIDOf is the modern client id the requests above used.
func clientIDOf(t *testing.T, d *daemon) string {
	host, _ := os.Hostname()
	return host + "-u" + strconv.Itoa(os.Getuid())
}

func TestServeStoreCred(t *testing.T) {
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
