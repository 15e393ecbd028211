package main

// Helpers of the token end-to-end tests (token_*_e2e_test.go), on top of
// servePool/daemon (serve_e2e_test.go) and run/links/binary (main_test.go).

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/fs"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// cfgPath is the pool's configuration file.
func (d *daemon) cfgPath() string {
	for _, kv := range d.env {
		if p, ok := strings.CutPrefix(kv, "CONDOR_CONFIG="); ok {
			return p
		}
	}
	return ""
}

// envWith is the tools' environment plus extra entries, e.g. "_CONDOR_"
// knobs for one run; later entries win (os/exec keeps the last value).
func (d *daemon) envWith(extra ...string) []string {
	return append(slices.Clone(d.env), extra...)
}

// bare runs the legacy tool name from d.bin with argv[0] = name, the way
// real-tools.md ran the originals (through PATH), so messages that carry
// argv[0] read "condor_token_fetch: …". extra is added to the environment.
func (d *daemon) bare(t *testing.T, extra []string, stdin, name string, args ...string) result {
	t.Helper()
	cmd := &exec.Cmd{Path: filepath.Join(d.bin, name), Args: append([]string{name}, args...), Env: d.envWith(extra...)}
	return runCmd(t, cmd, stdin)
}

// runCmd runs cmd with stdin and collects its result.
func runCmd(t *testing.T, cmd *exec.Cmd, stdin string) result {
	t.Helper()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", cmd.Path, err)
	}
	return result{out.String(), errb.String(), code}
}

// spawned is a tool running in the background (a condor_token_request
// waiting for approval).
type spawned struct {
	cmd       *exec.Cmd
	out, errb bytes.Buffer
	done      chan struct{}
	res       result
}

// spawn starts the legacy tool name with argv[0] = name in the background;
// wait collects it. It is killed when the test ends.
func (d *daemon) spawn(t *testing.T, extra []string, name string, args ...string) *spawned {
	t.Helper()
	p := &spawned{done: make(chan struct{})}
	p.cmd = &exec.Cmd{Path: filepath.Join(d.bin, name), Args: append([]string{name}, args...), Env: d.envWith(extra...)}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errb
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		err := p.cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			p.res.code = ee.ExitCode()
		} else if err != nil {
			p.res.code = -1
		}
		p.res.stdout, p.res.stderr = p.out.String(), p.errb.String()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait returns the tool's result once it exited, failing the test after
// within (the requester polls every 5 s, tokens.md §9.4).
func (p *spawned) wait(t *testing.T, within time.Duration) result {
	t.Helper()
	select {
	case <-p.done:
		return p.res
	case <-time.After(within):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%v still running after %v; output so far: %+v", p.cmd.Args, within, p.res)
		return result{}
	}
}

// running reports whether the tool has not exited yet.
func (p *spawned) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// reload sends SIGHUP (condor_reconfig) and waits for the daemon's
// "reconfigured" log line.
func (d *daemon) reload(t *testing.T) {
	t.Helper()
	const line = "reconfigured: token requests failed"
	before := strings.Count(readFile(d.log), line)
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the reconfig log line", func() bool { return strings.Count(readFile(d.log), line) > before })
}

// waitFor polls cond every 20 ms until it holds, failing after within.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// sinful is the address the daemon published (its collector address file).
func (d *daemon) sinful(t *testing.T) string {
	t.Helper()
	line, _, _ := strings.Cut(readFile(filepath.Join(d.local, "log", ".collector_address")), "\n")
	if !strings.HasPrefix(line, "<") {
		t.Fatalf("no address published: %q", line)
	}
	return line
}

// selfFQU is the identity the tools this test process runs authenticate
// as with FS: for root the service account when one exists, else root
// (cedar.md §5.6, real-tools.md §13); for anybody else the login name.
func selfFQU() string {
	if os.Geteuid() != 0 {
		if u, err := osuser.Current(); err == nil && u.Name != "" {
			return u.Name + "@e2e.local"
		}
	}
	if acct, err := fs.LookupServiceAccount(""); err == nil && acct.Name != "" {
		return acct.Name + "@e2e.local"
	}
	return "root@e2e.local"
}

// segment base64url-decodes part i (0 header, 1 payload) of a JWT.
func segment(t *testing.T, tok string, i int) string {
	t.Helper()
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("segment %d of %q: %v", i, tok, err)
	}
	return string(raw)
}

// claimsOf decodes a token's payload (without verifying it).
func claimsOf(t *testing.T, tok string) map[string]any {
	t.Helper()
	var c map[string]any
	if err := json.Unmarshal([]byte(segment(t, tok, 1)), &c); err != nil {
		t.Fatalf("payload of %q: %v", tok, err)
	}
	return c
}

// num is a JSON number claim as an int64 (0 when absent).
func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// jsonToken is the "token" of a modern verb's -o json output.
func jsonToken(t *testing.T, r result) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 0 || err != nil || out.Token == "" {
		t.Fatalf("no token in %+v (%v)", r, err)
	}
	return out.Token
}

// account is a non-root user the tools run as (uid 65534): a copy of the
// binary and the legacy links in a 0755 directory, a home directory it
// owns, and the pool's directories opened to it.
type account struct {
	d        *daemon
	uid, gid int
	name     string
	home     string
	bin      string
}

// nobody prepares the pool for tools run as uid 65534 with its passwd
// group. The test is skipped when the process is not root or the passwd
// file has no uid 65534.
func (d *daemon) nobody(t *testing.T) *account {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("running tools as another user needs root")
	}
	u, err := osuser.LookupUid(65534)
	if err != nil {
		t.Skipf("no uid 65534 in the passwd file: %v", err)
	}
	a := &account{d: d, uid: u.Uid, gid: u.Gid, name: u.Name}
	// t.TempDir is 0700 (and so is its parent): open the configuration's
	// directory and its parent.
	dir := filepath.Dir(d.cfgPath())
	for _, p := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	a.home = filepath.Join(dir, "home-"+u.Name)
	if err := os.Mkdir(a.home, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(a.home, a.uid, a.gid); err != nil {
		t.Fatal(err)
	}
	a.bin, err = os.MkdirTemp("", "token-e2e-bin")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(a.bin) })
	if err := os.Chmod(a.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(a.bin, "condor-auth")
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if r := run(t, nil, "", exe, "install-links", "--target", exe, a.bin); r.code != 0 {
		t.Fatalf("install-links: %+v", r)
	}
	return a
}

// env is the account's environment: the pool's configuration, its own
// HOME and USER, plus extra.
func (a *account) env(extra ...string) []string {
	env := []string{"CONDOR_CONFIG=" + a.d.cfgPath(), "HOME=" + a.home, "USER=" + a.name, "PATH=/usr/bin:/bin"}
	return append(env, extra...)
}

// tool runs the legacy tool name as the account, argv[0] = name.
func (a *account) tool(t *testing.T, extra []string, stdin, name string, args ...string) result {
	t.Helper()
	cmd := &exec.Cmd{Path: filepath.Join(a.bin, name), Args: append([]string{name}, args...), Env: a.env(extra...), Dir: a.home}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid)}}
	return runCmd(t, cmd, stdin)
}

// modern runs `condor-auth args…` as the account.
func (a *account) modern(t *testing.T, extra []string, stdin string, args ...string) result {
	t.Helper()
	cmd := &exec.Cmd{Path: filepath.Join(a.bin, "condor-auth"), Args: append([]string{"condor-auth"}, args...), Env: a.env(extra...), Dir: a.home}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid)}}
	return runCmd(t, cmd, stdin)
}

// fqu is the account's FS identity.
func (a *account) fqu() string { return a.name + "@e2e.local" }

// wantFile checks a file's mode and owner.
func wantFile(t *testing.T, path string, mode os.FileMode, uid int) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	owner := -1
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		owner = int(st.Uid)
	}
	if fi.Mode().Perm() != mode || owner != uid {
		t.Fatalf("%s: mode %v owner %d, want %v owned by %d", path, fi.Mode().Perm(), owner, mode, uid)
	}
}

// want checks a tool run's exit status and both streams exactly, and prints
// every mismatch the same way.
func want(t *testing.T, what string, got result, code int, stdout, stderr string) {
	t.Helper()
	if got.code != code || got.stdout != stdout || got.stderr != stderr {
		t.Fatalf("%s:\n got  code %d stdout %q stderr %q\n want code %d stdout %q stderr %q", what, got.code, got.stdout, got.stderr, code, stdout, stderr)
	}
}
