package main

// End-to-end tests of the built binary: symlink dispatch, the legacy
// personalities and the modern CLI, run as separate processes.

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var binary string // path of the built condor-auth

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "condor-auth-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "condor-auth")
	cmd := exec.Command("go", "build", "-o", binary, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// run executes path with args in env (nil: a minimal private environment).
func run(t *testing.T, env []string, stdin string, path string, args ...string) result {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = env
	return runCmd(t, cmd, stdin)
}

// pool makes a private configuration with a POOL key and returns the
// environment to run the tools in and the LOCAL_DIR.
func pool(t *testing.T) ([]string, string) {
	t.Helper()
	dir := t.TempDir()
	local := filepath.Join(dir, "local")
	if err := os.MkdirAll(local, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := "LOCAL_DIR = " + local + "\nETC = $(LOCAL_DIR)/etc\nTRUST_DOMAIN = htc.local\nUID_DOMAIN = htc.local\n" +
		"SEC_TOKEN_DIRECTORY = $(LOCAL_DIR)/tokens.d\n"
	cfgPath := filepath.Join(dir, "condor_config")
	if err := os.WriteFile(cfgPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"CONDOR_CONFIG=" + cfgPath, "HOME=" + dir, "USER=tester", "PATH=/usr/bin:/bin"}
	r := run(t, env, "", binary, "token", "keygen")
	if r.code != 0 {
		t.Fatalf("keygen: %+v", r)
	}
	return env, local
}

// links installs the legacy names into a fresh directory.
func links(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	r := run(t, nil, "", binary, "install-links", "--target", binary, dir)
	if r.code != 0 {
		t.Fatalf("install-links: %+v", r)
	}
	return dir
}

func TestSymlinkDispatch(t *testing.T) {
	dir := links(t)
	for _, name := range []string{"condor_token_fetch", "condor_token_request", "condor_token_request_approve",
		"condor_token_request_list", "condor_token_request_auto_approve", "condor_token_create",
		"condor_token_list", "condor_store_cred"} {
		target, err := os.Readlink(filepath.Join(dir, name))
		if err != nil || target != binary {
			t.Fatalf("%s: link to %q, %v", name, target, err)
		}
	}
	// condor_token_create with fewer than two arguments: usage on stderr,
	// exit 1, argv[0] as typed (real-tools.md §3.1, §11).
	p := filepath.Join(dir, "condor_token_create")
	r := run(t, nil, "", p)
	if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "Usage: "+p+" -identity USER@DOMAIN") {
		t.Fatalf("condor_token_create: %+v", r)
	}
	// condor_token_list -help: usage on stdout, exit 0.
	r = run(t, nil, "", filepath.Join(dir, "condor_token_list"), "-help")
	if r.code != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, "Usage: "+filepath.Join(dir, "condor_token_list")+" [-dir PATH]\n") {
		t.Fatalf("condor_token_list -help: %+v", r)
	}
}

func TestSymlinkChain(t *testing.T) {
	dir := links(t)
	// mytf -> condor_token_fetch -> condor-auth: the last known name wins,
	// messages carry argv[0] as typed.
	if err := os.Symlink("condor_token_fetch", filepath.Join(dir, "mytf")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "mytf")
	r := run(t, nil, "", p, "-authz")
	if r.code != 1 || r.stderr != p+": -authz requires an authorization name argument\n" {
		t.Fatalf("mytf -authz: %+v", r)
	}
}

func TestUnknownName(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "condor_frobnicate")
	if err := os.Symlink(binary, p); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "", p)
	if r.code != 2 || !strings.Contains(r.stderr, `unknown program name "condor_frobnicate"`) || !strings.Contains(r.stderr, "condor_token_fetch") {
		t.Fatalf("unknown name: %+v", r)
	}
}

func TestBusyboxStyleAndList(t *testing.T) {
	r := run(t, nil, "", binary, "condor_token_list", "-bogus")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "condor_token_list: Invalid command line argument: -bogus\nUsage: condor_token_list [-dir PATH]\n") {
		t.Fatalf("busybox: %+v", r)
	}
	r = run(t, nil, "", binary, "--list")
	want := "condor_store_cred\ncondor_token_create\ncondor_token_fetch\ncondor_token_list\ncondor_token_request\n" +
		"condor_token_request_approve\ncondor_token_request_auto_approve\ncondor_token_request_list\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("--list: %+v", r)
	}
}

func TestCreateAndList(t *testing.T) {
	env, local := pool(t)
	dir := links(t)
	create := filepath.Join(dir, "condor_token_create")

	r := run(t, env, "", create, "-identity", "alice@htc.local", "-authz", "READ", "-lifetime", "600")
	if r.code != 0 || r.stderr != "" || strings.Count(r.stdout, "\n") != 1 || !strings.HasPrefix(r.stdout, "eyJhbGciOiJIUzI1NiIsImtpZCI6IlBPT0wifQ.") {
		t.Fatalf("create to stdout: %+v", r)
	}

	r = run(t, env, "", create, "-id", "carol@htc.local", "-to", "created_carol")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("create -token: %+v", r)
	}
	tokDir := filepath.Join(local, "tokens.d")
	fi, err := os.Stat(filepath.Join(tokDir, "created_carol"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}
	if di, err := os.Stat(tokDir); err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("token dir: %v %v", di, err)
	}
	data, _ := os.ReadFile(filepath.Join(tokDir, "created_carol"))
	if !bytes.HasSuffix(data, []byte("\n")) || bytes.Count(data, []byte("\n")) != 1 {
		t.Fatalf("token file content %q", data)
	}

	r = run(t, env, "", filepath.Join(dir, "condor_token_list"))
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("list: %+v", r)
	}
	if !strings.HasPrefix(r.stdout, `Header: {"alg":"HS256","kid":"POOL"} Payload: {"iat":`) ||
		!strings.HasSuffix(r.stdout, `,"iss":"htc.local","jti":"`+jtiOf(t, data)+`","sub":"carol@htc.local"} File: `+filepath.Join(tokDir, "created_carol")+"\n") {
		t.Fatalf("list output %q", r.stdout)
	}

	// -key NOSUCHKEY: exit 2 with the CondorError text (case C5).
	r = run(t, env, "", create, "-identity", "alice@htc.local", "-key", "NOSUCHKEY")
	want := "Failed to generate a token.\nTOKEN:1:Failed to read file " + filepath.Join(local, "etc", "passwords.d", "NOSUCHKEY") + " securely.\n"
	if r.code != 2 || r.stdout != "" || r.stderr != want {
		t.Fatalf("NOSUCHKEY: %+v\nwant stderr %q", r, want)
	}

	// -token a/b: refused after signing (real-tools.md §15).
	r = run(t, env, "", create, "-identity", "alice@htc.local", "-token", "a/b")
	if r.code != 1 || r.stderr != "Token name isn't a plain filename\n" {
		t.Fatalf("-token a/b: %+v", r)
	}

	// The modern listing flags a file HTCondor would not use.
	if err := os.Chmod(filepath.Join(tokDir, "created_carol"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, env, "", binary, "token", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "carol@htc.local") || !strings.Contains(r.stdout, "unusable") ||
		!strings.Contains(r.stderr, "HTCondor will not use this file") {
		t.Fatalf("token list: %+v", r)
	}
}

func jtiOf(t *testing.T, token []byte) string {
	t.Helper()
	// The legacy listing prints the payload as issued; recover the jti
	// from the payload segment to compare.
	seg := strings.Split(strings.TrimSpace(string(token)), ".")[1]
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	dec := string(raw)
	k := strings.Index(dec, `"jti":"`)
	return dec[k+7 : k+7+32]
}

// The network tools without a daemon: what can be checked end to end
// without one (the lead's serve tests cover the conversations).
func TestNetworkToolsWithoutDaemon(t *testing.T) {
	env, local := pool(t)
	dir := links(t)
	// condor_store_cred -f needs no daemon (real-tools.md P10).
	pw := filepath.Join(local, "pwfile")
	r := run(t, env, "", filepath.Join(dir, "condor_store_cred"), "-f", pw, "-p", "secret")
	if data, err := os.ReadFile(pw); r.code != 0 || r.stdout != "" || r.stderr != "" || err != nil || hex.EncodeToString(data) != "adc8dd9dbbd9" {
		t.Fatalf("store_cred -f: %+v %x %v", r, data, err)
	}
	// Nothing listens on port 1: the originals' connection failure texts
	// (tokens.md §10).
	p := filepath.Join(dir, "condor_token_request_auto_approve")
	r = run(t, env, "", p, "-pool", "127.0.0.1:1", "-netblock", "127.0.0.0/8")
	if r.code != 1 || r.stdout != "" || r.stderr != "Failed to create new auto-approval rule: DAEMON:1:Failed to connect to remote daemon at '<127.0.0.1:1>'\n" {
		t.Fatalf("auto_approve: %+v", r)
	}
	p = filepath.Join(dir, "condor_token_fetch")
	r = run(t, env, "", p, "-pool", "127.0.0.1:1", "-type", "collector")
	if r.code != 1 || r.stdout != "" || r.stderr != "Failed to request a session token: DAEMON:1:Failed to connect to remote daemon at '<127.0.0.1:1>'\n" {
		t.Fatalf("fetch: %+v", r)
	}
	// Modern: the same failure with a hint, and refusals that need no
	// daemon at all.
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ping", "--pool", "127.0.0.1:1", "--type", "collector"}, 1, "Failed to connect to remote daemon at '<127.0.0.1:1>'"},
		{[]string{"token", "requests", "--pool", "127.0.0.1:1"}, 1, "is the daemon running"},
		{[]string{"token", "approve", "--all"}, 2, "stdin is not a terminal"},
		{[]string{"cred", "add", "--type", "krb"}, 2, "use --from FILE or --from -"},
	} {
		r := run(t, env, "", binary, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Fatalf("%v: %+v", tc.args, r)
		}
	}
}

// TestVersion checks `condor-auth version`; static linkage and size are
// checked by scripts/test.sh on the stripped build.
func TestVersion(t *testing.T) {
	r := run(t, nil, "", binary, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "condor-auth ") {
		t.Fatalf("version: %+v", r)
	}
}
