package cred

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

const (
	poolHeader  = "Account: condor_pool@htc.local\nCredType: password\n\n"
	poolFailure = "Operation failed.\n    Make sure you have ALLOW_ADMINISTRATOR access to the target Master.\n    If the Master is older than 23.2.0, ALLOW_CONFIG access is needed.\n"
	writeHint   = "Operation failed.\n    Make sure your ALLOW_WRITE setting includes this host.\n"
	oauthHeader = "Account: <current> (htcuser)\nCredType: oauth\n\n"
)

func fileHex(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Pool password as root: the file is written and removed locally
// (real-tools.md P1–P5).
func TestLegacyPoolPasswordAsRoot(t *testing.T) {
	e := newEnv(t, "root", 0, "")
	if code, _ := e.legacyRun(t, "-c", "add", "-p", "secret123"); code != 0 {
		t.Fatalf("P1 exit %d stderr %q", code, e.stderr)
	}
	if e.stdout.String() != poolHeader+"Operation succeeded.\n" || e.stderr.Len() != 0 {
		t.Fatalf("P1 stdout %q stderr %q", e.stdout, e.stderr)
	}
	if got := fileHex(t, e.poolFile); got != "adc8dd9dbbd98fdded" {
		t.Fatalf("P1 file %s", got)
	}
	if fi, _ := os.Stat(e.poolFile); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}

	// P2: -p - keeps the newline.
	e.stdout.Reset()
	e.stdin.WriteString("pw-from-stdin\n")
	if code, _ := e.legacyRun(t, "-c", "add", "-p", "-"); code != 0 || fileHex(t, e.poolFile) != "aeda9389acc2d3c2add9da86b0a7" {
		t.Fatalf("P2 exit %d file %s", code, fileHex(t, e.poolFile))
	}

	// P3: prompted, the newline is not kept.
	e.stdout.Reset()
	e.stdin.WriteString("typed-pw\n")
	if code, _ := e.legacyRun(t, "-c", "add"); code != 0 {
		t.Fatalf("P3 exit %d", code)
	}
	if e.stdout.String() != poolHeader+"Enter password: \nOperation succeeded.\n" || fileHex(t, e.poolFile) != "aad4ce8aba80ce98" {
		t.Fatalf("P3 stdout %q file %s", e.stdout, fileHex(t, e.poolFile))
	}

	// P4, P5: delete, then nothing left to delete.
	e.stdout.Reset()
	if code, _ := e.legacyRun(t, "-c", "delete"); code != 0 || e.stdout.String() != poolHeader+"Operation succeeded.\n" {
		t.Fatalf("P4 exit %d stdout %q", code, e.stdout)
	}
	if _, err := os.Stat(e.poolFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("P4 file still there: %v", err)
	}
	e.stdout.Reset()
	if code, _ := e.legacyRun(t, "-c", "delete"); code != 1 || e.stdout.String() != poolHeader+"Operation failed: username not found.\n" {
		t.Fatalf("P5 exit %d stdout %q", code, e.stdout)
	}
	if len(e.calls()) != 0 {
		t.Fatalf("root's -c contacted a daemon: %v", e.calls())
	}

	// W1: a user password as root fails locally.
	e.stdout.Reset()
	if code, _ := e.legacyRun(t, "add", "-p", "userpass"); code != 1 || e.stdout.String() != "Account: root@(null)\nCredType: password\n\n"+writeHint {
		t.Fatalf("W1 exit %d stdout %q", code, e.stdout)
	}
}

// Pool password by a non-root user goes to the master (real-tools.md
// P6–P9, credentials.md §4.2).
func TestLegacyPoolPasswordViaMaster(t *testing.T) {
	e := newEnv(t, "htcuser", 1001, "")
	e.fc.reply = client.StoreCredReply{Code: 0}
	if code, _ := e.legacyRun(t, "-c", "add", "-p", "userpw"); code != 1 || e.stdout.String() != poolHeader+poolFailure {
		t.Fatalf("P6 exit %d stdout %q", code, e.stdout)
	}
	want := []storeCall{{client.Target{Type: "master"}, client.StoreCredRequest{User: "condor_pool@htc.local", Password: "userpw", Mode: 100, PoolCred: true}}}
	if diff := cmp.Diff(want, e.calls(), cmp.AllowUnexported(storeCall{})); diff != "" {
		t.Fatal(diff)
	}

	// P7: the master is not found: the same failure text.
	e = newEnv(t, "htcuser", 1001, "")
	e.fc.err = &locate.ToolError{Line: "ERROR: couldn't locate daemon 127.0.0.1!"}
	if code, _ := e.legacyRun(t, "-c", "add", "-p", "x", "-n", "127.0.0.1"); code != 1 || e.stdout.String() != poolHeader+poolFailure {
		t.Fatalf("P7 exit %d stdout %q", code, e.stdout)
	}
	if c := e.calls(); len(c) != 1 || c[0].target != (client.Target{Type: "master", Name: "127.0.0.1"}) {
		t.Fatalf("P7 calls %+v", c)
	}

	// P9: delete through the master sends an empty password.
	e = newEnv(t, "condor", 999, "")
	e.fc.reply = client.StoreCredReply{Code: 1}
	if code, _ := e.legacyRun(t, "-c", "delete"); code != 0 || e.stdout.String() != poolHeader+"Operation succeeded.\n" {
		t.Fatalf("P9 exit %d stdout %q", code, e.stdout)
	}
	if c := e.calls(); len(c) != 1 || c[0].req.Password != "" || c[0].req.Mode != 101 || !c[0].req.PoolCred {
		t.Fatalf("P9 calls %+v", c)
	}
}

// -f writes a scrambled password file and prints nothing but the prompt
// (real-tools.md P10–P13).
func TestLegacyPasswordFile(t *testing.T) {
	e := newEnv(t, "htcuser", 1001, "")
	p := filepath.Join(e.dir, "pwfile")
	if code, _ := e.legacyRun(t, "-f", p, "-p", "secret"); code != 0 || e.stdout.Len()+e.stderr.Len() != 0 || fileHex(t, p) != "adc8dd9dbbd9" {
		t.Fatalf("P10 exit %d out %q %q file %s", code, e.stdout, e.stderr, fileHex(t, p))
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("P10 mode %v", fi.Mode())
	}
	e.stdin.WriteString("abc\n")
	if code, _ := e.legacyRun(t, "-f", p); code != 0 || e.stdout.String() != "Enter password: \n" || fileHex(t, p) != "bfcfdd" {
		t.Fatalf("P11 exit %d stdout %q file %s", code, e.stdout, fileHex(t, p))
	}
	e.stdout.Reset()
	e.stdin.WriteString("abc\n")
	if code, _ := e.legacyRun(t, "-f", p, "-p", "-"); code != 0 || fileHex(t, p) != "bfcfdde5" {
		t.Fatalf("-p - exit %d file %s", code, fileHex(t, p))
	}
	if code, _ := e.legacyRun(t, "-f", p, "-p", "other"); code != 0 || fileHex(t, p) != "b1d9d68aac" {
		t.Fatalf("P13 exit %d file %s", code, fileHex(t, p))
	}
	bad := filepath.Join(e.dir, "nope", "pw")
	if code, _ := e.legacyRun(t, "-f", bad, "-p", "x"); code != 1 || e.stderr.String() != "error writing password file: "+bad+"\n" {
		t.Fatalf("unwritable exit %d stderr %q", code, e.stderr)
	}
	if len(e.calls()) != 0 {
		t.Fatal("-f contacted a daemon")
	}
}

// OAuth and Kerberos through the credd (real-tools.md §9.5 blocks).
func TestLegacyCreddOperations(t *testing.T) {
	credFile := filepath.Join(t.TempDir(), "cred")
	if err := os.WriteFile(credFile, []byte("my-access-token-abc123"), 0o644); err != nil {
		t.Fatal(err)
	}
	fqu := func(t *testing.T, kv ...any) *client.StoreCredReply {
		return &client.StoreCredReply{Ad: replyAd(t, append([]any{"fully_qualified_user", "htcuser@htc.local"}, kv...)...)}
	}
	for _, tc := range []struct {
		name           string
		args           []string
		stdin          string
		code           int64
		ad             []any
		exit           int
		stdout, stderr string
		mode           int
		user           string
		cred           string
		opts           map[string]any
	}{
		{name: "O2 nothing stored", args: []string{"query-oauth"}, code: 5, exit: 1,
			stdout: oauthHeader + "No credential is stored.\n", mode: 42, opts: map[string]any{"NeedRefresh": true}},
		{name: "O4 add, pending", args: []string{"add-oauth", "-s", "myservice", "-i", credFile}, code: 6, ad: []any{},
			stdout: oauthHeader + "Operation succeeded and is waiting for processing.\n\nCredential info:\nfully_qualified_user = \"htcuser@htc.local\"\n\n",
			mode:   40, cred: "my-access-token-abc123", opts: map[string]any{"service": "myservice", "NeedRefresh": true}},
		{name: "O5 query, pending", args: []string{"query-oauth"}, code: 6, ad: []any{"myservice.top", 1795640191},
			stdout: oauthHeader + "A credential was stored and is waiting for processing.\n\nCredential info:\nfully_qualified_user = \"htcuser@htc.local\"\nmyservice.top = 1795640191\n\n",
			mode:   42, opts: map[string]any{"NeedRefresh": true}},
		{name: "O6 not JSON", args: []string{"query-oauth", "-s", "myservice"}, code: 12, exit: 1,
			stdout: oauthHeader, stderr: "Failure parsing credential as JSON\n", mode: 42, opts: map[string]any{"service": "myservice", "NeedRefresh": true}},
		{name: "O10 mismatch exits 2", args: []string{"query-oauth", "-s", "jsonsvc", "-S", "read,write"}, code: 13, exit: 2,
			stdout: oauthHeader, stderr: "Credential was found but it did not match requested scopes or audience\n", mode: 42,
			opts: map[string]any{"service": "jsonsvc", "scopes": "read,write", "NeedRefresh": true}},
		{name: "O12 time stamp", args: []string{"add-oauth", "-P", "-s", "plainsvc", "-H", "h1", "-i", credFile}, code: 1795640197, ad: []any{},
			stdout: oauthHeader + "Operation succeeded. Credential was stored on 2026-11-25 20:56:37\n\nCredential info:\nfully_qualified_user = \"htcuser@htc.local\"\n\n",
			mode:   40, cred: "my-access-token-abc123", opts: map[string]any{"service": "plainsvc", "handle": "h1", "NeedRefresh": false}},
		{name: "O13 query valid", args: []string{"query-oauth", "-s", "plainsvc", "-H", "h1"}, code: 1, ad: []any{"plainsvc_h1", 1795640197},
			stdout: oauthHeader + "A credential was stored and is valid.\n\nCredential info:\nfully_qualified_user = \"htcuser@htc.local\"\nplainsvc_h1 = 1795640197\n\n",
			mode:   42, opts: map[string]any{"service": "plainsvc", "handle": "h1", "NeedRefresh": true}},
		{name: "query with a time stamp", args: []string{"query-oauth", "-s", "s"}, code: 1795640197, ad: []any{},
			stdout: oauthHeader + "A credential was stored on 2026-11-25 20:56:37 and is valid.\n\nCredential info:\nfully_qualified_user = \"htcuser@htc.local\"\n\n",
			mode:   42, opts: map[string]any{"service": "s", "NeedRefresh": true}},
		{name: "O14 from stdin", args: []string{"add-oauth", "-s", "stdinsvc", "-i", "-"}, stdin: "token-from-stdin\n", code: 6, ad: []any{},
			stdout: oauthHeader + "Operation succeeded and is waiting for processing.\n\nCredential info:\nfully_qualified_user = \"htcuser@htc.local\"\n\n",
			mode:   40, cred: "token-from-stdin\n", opts: map[string]any{"service": "stdinsvc", "NeedRefresh": true}},
		{name: "O16 delete", args: []string{"delete-oauth", "-s", "myservice"}, code: 1, ad: []any{},
			stdout: oauthHeader + "Operation succeeded.\n\nCredential info:\nfully_qualified_user = \"htcuser@htc.local\"\n\n",
			mode:   41, opts: map[string]any{"service": "myservice", "NeedRefresh": true}},
		{name: "O21 not allowed", args: []string{"add-oauth", "-u", "alice@htc.local", "-s", "svc", "-i", credFile}, code: 7, exit: 1,
			stdout: "Account: alice@htc.local\nCredType: oauth\n\n", stderr: "Operation failed because it is not allowed\n",
			mode: 40, user: "alice@htc.local", cred: "my-access-token-abc123", opts: map[string]any{"service": "svc", "NeedRefresh": true}},
		{name: "O1 configuration error", args: []string{"add-oauth", "-s", "myservice", "-i", credFile}, code: 11, exit: 1,
			stdout: oauthHeader, stderr: "Operation failed because of a configuration error\n",
			mode: 40, cred: "my-access-token-abc123", opts: map[string]any{"service": "myservice", "NeedRefresh": true}},
		{name: "K3 add-krb waits", args: []string{"add-krb", "-i", credFile}, code: 6, ad: []any{},
			stdout: "Account: <current> (htcuser)\nCredType: kerberos\n\nOperation succeeded and is waiting for processing.\n\nCredential info:\nfully_qualified_user = \"htcuser@htc.local\"\n\n",
			mode:   160, cred: "my-access-token-abc123", opts: map[string]any{}},
		{name: "K4 query-krb", args: []string{"query-krb"}, code: 6, ad: []any{"CredTime", 1795640205},
			stdout: "Account: <current> (htcuser)\nCredType: kerberos\n\nA credential was stored and is waiting for processing.\n\nCredential info:\nCredTime = 1795640205\nfully_qualified_user = \"htcuser@htc.local\"\n\n",
			mode:   34, opts: map[string]any{}},
		{name: "unknown code", args: []string{"query-krb"}, code: 99, exit: 1,
			stdout: "Account: <current> (htcuser)\nCredType: kerberos\n\n", stderr: "Operation failed: unknown error code 99\n", mode: 34, opts: map[string]any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "htcuser", 1001, "")
			e.stdin.WriteString(tc.stdin)
			e.fc.reply = client.StoreCredReply{Code: tc.code}
			if tc.ad != nil {
				e.fc.reply.Ad = fqu(t, tc.ad...).Ad
			}
			code, err := e.legacyRun(t, tc.args...)
			if code != tc.exit {
				t.Fatalf("exit %d (%v), want %d", code, err, tc.exit)
			}
			if diff := cmp.Diff(tc.stdout, e.stdout.String()); diff != "" || e.stderr.String() != tc.stderr {
				t.Fatalf("stdout (-want +got):\n%s\nstderr %q, want %q", diff, e.stderr, tc.stderr)
			}
			calls := e.calls()
			if len(calls) != 1 {
				t.Fatalf("calls %+v", calls)
			}
			c := calls[0]
			if c.target.Type != "credd" || c.req.Mode != tc.mode || c.req.User != tc.user || string(c.req.Cred) != tc.cred || c.req.PoolCred || c.req.Password != "" {
				t.Fatalf("request %+v to %+v", c.req, c.target)
			}
			if diff := cmp.Diff(tc.opts, c.req.Ad); diff != "" {
				t.Fatalf("options ad (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLegacyUserPasswordRouting(t *testing.T) {
	// W3: a non-root user's password goes to the local schedd with the
	// legacy mode and the password in the password field.
	e := newEnv(t, "htcuser", 1001, "")
	e.fc.reply = client.StoreCredReply{Code: 0}
	if code, _ := e.legacyRun(t, "add", "-p", "userpass"); code != 1 || e.stdout.String() != "Account: htcuser@(null)\nCredType: password\n\n"+writeHint {
		t.Fatalf("W3 exit %d stdout %q", code, e.stdout)
	}
	c := e.calls()[0]
	if c.target.Type != "schedd" || c.req.User != "htcuser@(null)" || c.req.Password != "userpass" || c.req.Mode != 100 || len(c.req.Cred) != 0 {
		t.Fatalf("W3 call %+v", c)
	}
	// With CREDD_HOST the credd gets it; -n names a schedd.
	e = newEnv(t, "htcuser", 1001, "CREDD_HOST = credd.example.org\n")
	e.fc.reply = client.StoreCredReply{Code: 5}
	if code, _ := e.legacyRun(t, "query"); code != 1 || !strings.HasSuffix(e.stdout.String(), "No credential is stored.\n") {
		t.Fatalf("query exit %d stdout %q", code, e.stdout)
	}
	if c := e.calls()[0]; c.target.Type != "credd" || c.req.Mode != 102 {
		t.Fatalf("CREDD_HOST call %+v", c)
	}
	e = newEnv(t, "htcuser", 1001, "CREDD_HOST = credd.example.org\n")
	e.fc.reply = client.StoreCredReply{Code: 1}
	if code, _ := e.legacyRun(t, "delete-pwd", "-n", "schedd@host.example.org"); code != 0 {
		t.Fatalf("-n exit %d", code)
	}
	if c := e.calls()[0]; c.target != (client.Target{Type: "schedd", Name: "schedd@host.example.org"}) || c.req.Mode != 37 {
		t.Fatalf("-n call %+v", c)
	}
}

func TestLegacyDaemonNameCheck(t *testing.T) {
	old := resolveCNAME
	t.Cleanup(func() { resolveCNAME = old })
	resolveCNAME = func(_ context.Context, host string) (string, error) {
		switch host {
		case "shorthost":
			return "shorthost.", nil
		case "good":
			return "good.example.org.", nil
		}
		return "", errors.New("no such host")
	}
	for _, name := range []string{"nosuchhost", "shorthost"} {
		e := newEnv(t, "htcuser", 1001, "")
		if code, _ := e.legacyRun(t, "-c", "add", "-p", "x", "-n", name); code != 1 || e.stdout.Len() != 0 ||
			e.stderr.String() != "ERROR: "+name+" is not a valid daemon name\n" || len(e.calls()) != 0 {
			t.Fatalf("%s: exit %d stdout %q stderr %q", name, code, e.stdout, e.stderr)
		}
	}
	e := newEnv(t, "htcuser", 1001, "")
	e.fc.reply = client.StoreCredReply{Code: 1}
	if code, _ := e.legacyRun(t, "-c", "add", "-p", "x", "-n", "good"); code != 0 {
		t.Fatalf("good: exit %d %q", code, e.stderr)
	}
	if c := e.calls()[0]; c.target.Name != "good.example.org" || c.target.Type != "master" {
		t.Fatalf("call %+v", c)
	}
	// DEFAULT_DOMAIN_NAME completes a short canonical name.
	e = newEnv(t, "htcuser", 1001, "DEFAULT_DOMAIN_NAME = example.net\n")
	e.fc.reply = client.StoreCredReply{Code: 1}
	if code, _ := e.legacyRun(t, "-c", "add", "-p", "x", "-n", "shorthost"); code != 0 || e.calls()[0].target.Name != "shorthost.example.net" {
		t.Fatalf("default domain: exit %d calls %+v", code, e.calls())
	}
}

func TestLegacyStoreCredOddities(t *testing.T) {
	// An unreadable -i file: a message, then the generic failure.
	e := newEnv(t, "htcuser", 1001, "")
	missing := filepath.Join(e.dir, "missing")
	if code, _ := e.legacyRun(t, "add-oauth", "-s", "s", "-i", missing); code != 1 ||
		e.stdout.String() != oauthHeader+writeHint || e.stderr.String() != "Could not read credential from "+missing+"\n" || len(e.calls()) != 0 {
		t.Fatalf("exit %d stdout %q stderr %q", code, e.stdout, e.stderr)
	}

	// A channel that is not secure: the original's question, then the
	// failure (the retry cannot succeed).
	e = newEnv(t, "htcuser", 1001, "")
	e.fc.reply = client.StoreCredReply{Code: 4}
	e.stdin.WriteString("y\n")
	if code, _ := e.legacyRun(t, "add-oauth", "-s", "s", "-i", "-"); code != 1 {
		t.Fatalf("not secure: exit %d", code)
	}
	// stdin was consumed by -i -, so the question reads end of input.
	want := oauthHeader + "WARNING: Continuing will result in your password being sent in the clear!\n  Do you want to continue? [y/N] \n\n"
	if e.stdout.String() != want || e.stderr.String() != "Operation aborted because communiction was not secure\n" {
		t.Fatalf("stdout %q stderr %q", e.stdout, e.stderr)
	}

	// -p typed on a terminal: a warning, the operation unchanged.
	e = newEnv(t, "root", 0, "")
	e.f.IOStreams.SetStdinTTY(true)
	if code, _ := e.legacyRun(t, "-c", "add", "-p", "secret123"); code != 0 || e.stderr.String() != PasswordWarning ||
		e.stdout.String() != poolHeader+"Operation succeeded.\n" {
		t.Fatalf("warning: exit %d stdout %q stderr %q", code, e.stdout, e.stderr)
	}
	// ... but not for -p - or without a terminal.
	e = newEnv(t, "root", 0, "")
	e.f.IOStreams.SetStdinTTY(true)
	e.stdin.WriteString("pw\n")
	if code, _ := e.legacyRun(t, "-c", "add", "-p", "-"); code != 0 || e.stderr.Len() != 0 {
		t.Fatalf("-p -: exit %d stderr %q", code, e.stderr)
	}
}

func TestLegacyNoConfiguration(t *testing.T) {
	e := newEnv(t, "htcuser", 1001, "")
	le := &config.LocateError{Kind: config.NoneFound, Var: "CONDOR_CONFIG", Tried: []string{"/etc/condor/condor_config"}}
	e.f.Config = func() (*config.Config, error) { return nil, le }
	code, err := e.legacyRun(t, "query-oauth")
	var ee *cmdutil.ExitError
	if code != 1 || !errors.As(err, &ee) || !ee.Bare || ee.Err.Error()+"\n" != le.Stderr() || e.stdout.Len() != 0 || len(e.calls()) != 0 {
		t.Fatalf("exit %d err %#v stdout %q", code, err, e.stdout)
	}
	// Modern: the configuration exit status.
	if err := e.modern("query"); cmdutil.CodeOf(err) != cmdutil.ExitConfig {
		t.Fatalf("modern: %v", err)
	}
}
