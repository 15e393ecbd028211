package cred

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/client"
)

// modern runs `condor-auth cred ACTION args...`.
func (e *env) modern(action string, args ...string) error {
	cmd := newCmdAction(e.f, action, nil)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.Execute()
}

func TestModernCredAdd(t *testing.T) {
	credFile := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(credFile, []byte("at-123"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "htcuser", 1001, "")
	e.fc.reply = client.StoreCredReply{Code: 1795640197, Ad: replyAd(t, "fully_qualified_user", "htcuser@htc.local")}
	if err := e.modern("add", "--type", "oauth", "--service", "svc", "--handle", "h", "--access-token", "--from", credFile); err != nil {
		t.Fatal(err)
	}
	if got := e.stdout.String(); got != "Stored the OAuth credential of htcuser@htc.local (stored 2026-11-25 20:56:37).\n  fully_qualified_user = \"htcuser@htc.local\"\n" {
		t.Fatalf("stdout %q", got)
	}
	c := e.calls()[0]
	want := client.StoreCredRequest{Mode: 40, Cred: []byte("at-123"), Ad: map[string]any{"service": "svc", "handle": "h", "NeedRefresh": false}}
	if diff := cmp.Diff(want, c.req); diff != "" || c.target.Type != "credd" || c.target.Timeout != cmdutil.DefaultTimeout {
		t.Fatalf("request (-want +got):\n%s\ntarget %+v", diff, c.target)
	}

	// --from - reads all of stdin; JSON result.
	e = newEnv(t, "htcuser", 1001, "")
	e.fc.reply = client.StoreCredReply{Code: 6, Ad: replyAd(t, "fully_qualified_user", "htcuser@htc.local")}
	e.stdin.WriteString("krb-bytes\n")
	if err := e.modern("add", "--type", "krb", "--from", "-", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(e.stdout.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, e.stdout)
	}
	if res["result"] != "pending" || res["account"] != "htcuser@htc.local" || res["code"] != float64(6) {
		t.Fatalf("json %v", res)
	}
	if c := e.calls()[0]; c.req.Mode != 0xA0 || string(c.req.Cred) != "krb-bytes\n" {
		t.Fatalf("krb request %+v", c.req)
	}

	// Prompted on a terminal (no echo); never from a flag.
	e = newEnv(t, "htcuser", 1001, "")
	e.fc.reply = client.StoreCredReply{Code: 1}
	e.f.IOStreams.SetStdinTTY(true)
	e.stdin.WriteString("s3cret\n")
	if err := e.modern("add", "--pool-password"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.stderr.String(), "Enter password: \n") {
		t.Fatalf("stderr %q", e.stderr)
	}
	if c := e.calls()[0]; c.target.Type != "master" || !c.req.PoolCred || c.req.Password != "s3cret" || c.req.User != "condor_pool@htc.local" || c.req.Mode != 0x24 {
		t.Fatalf("pool request %+v %+v", c.target, c.req)
	}
}

func TestModernCredRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		action string
		args   []string
		tty    bool
		code   int
		msg    string
	}{
		{"no secret without a terminal", "add", nil, false, cmdutil.ExitUsage, "use --from FILE or --from -"},
		{"pool password of another type", "add", []string{"--pool-password", "--type", "krb"}, false, cmdutil.ExitUsage, "cannot be used with --type krb"},
		{"pool password and user", "add", []string{"--pool-password", "--user", "a@b"}, false, cmdutil.ExitUsage, "cannot be used together"},
		{"bad user", "query", []string{"--user", "alice"}, false, cmdutil.ExitUsage, "not of the form account@domain"},
		{"oauth without service", "add", []string{"--type", "oauth"}, false, cmdutil.ExitUsage, "--service is required"},
		{"unknown type", "query", []string{"--type", "x509"}, false, cmdutil.ExitUsage, `unknown credential type "x509"`},
		{"empty secret", "add", []string{"--from", "-"}, false, cmdutil.ExitUsage, "the secret is empty"},
		{"no password flag", "add", []string{"-p", "x"}, false, cmdutil.ExitUsage, "unknown shorthand flag: 'p'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "htcuser", 1001, "")
			e.f.IOStreams.SetStdinTTY(tc.tty)
			err := e.modern(tc.action, tc.args...)
			code := cmdutil.CodeOf(err)
			if tc.msg == "unknown shorthand flag: 'p'" {
				code = cmdutil.ExitUsage // cobra's flag errors become usage errors in the root command
			}
			if code != tc.code || err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err %v (exit %d), want %d %q", err, code, tc.code, tc.msg)
			}
			if len(e.calls()) != 0 {
				t.Fatalf("a daemon was contacted: %+v", e.calls())
			}
		})
	}
}

func TestModernCredResults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		action string
		args   []string
		code   int64
		exit   int
		msg    string
	}{
		{"query valid", "query", []string{"--type", "oauth", "--service", "s"}, 1, 0, "An OAuth credential of htcuser@htc.local is stored and valid."},
		{"query pending", "query", []string{"--type", "krb"}, 6, 0, "is stored and waiting for the credmon"},
		{"delete", "delete", []string{"--type", "oauth", "--service", "s"}, 1, 0, "Deleted the OAuth credential of htcuser@htc.local."},
		{"nothing stored", "query", []string{"--type", "oauth"}, 5, cmdutil.ExitFailure, "no OAuth credential of htcuser@htc.local is stored"},
		{"mismatch", "query", []string{"--type", "oauth", "--service", "s", "--scopes", "a"}, 13, cmdutil.ExitMismatch, "scopes or audience differ"},
		{"not allowed", "query", []string{"--type", "oauth", "--user", "bob@htc.local"}, 7, cmdutil.ExitAuth, "CRED_SUPER_USERS member may manage the credentials of bob@htc.local"},
		{"mismatch article", "query", []string{"--type", "oauth", "--service", "s", "--audience", "a"}, 13, cmdutil.ExitMismatch, "an OAuth credential of htcuser@htc.local is stored, but"},
		{"query kerberos", "query", []string{"--type", "krb"}, 1, 0, "A Kerberos credential of htcuser@htc.local is stored and valid."},
		{"config error", "query", []string{"--type", "krb"}, 11, cmdutil.ExitFailure, "SEC_CREDENTIAL_DIRECTORY_KRB"},
		{"user password", "query", nil, 0, cmdutil.ExitFailure, "user passwords can only be stored on Windows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "htcuser", 1001, "")
			e.fc.reply = client.StoreCredReply{Code: tc.code, Ad: replyAd(t, "fully_qualified_user", "htcuser@htc.local")}
			err := e.modern(tc.action, tc.args...)
			if cmdutil.CodeOf(err) != tc.exit {
				t.Fatalf("exit %d (%v), want %d", cmdutil.CodeOf(err), err, tc.exit)
			}
			text := e.stdout.String()
			if err != nil {
				text = err.Error()
			}
			if !strings.Contains(text, tc.msg) {
				t.Fatalf("%q lacks %q", text, tc.msg)
			}
		})
	}
	// The default account of a password is login@UID_DOMAIN.
	e := newEnv(t, "htcuser", 1001, "")
	_ = e.modern("query")
	if c := e.calls()[0]; c.req.User != "htcuser@htc.local" || c.req.Mode != 0x26 || c.target.Type != "schedd" {
		t.Fatalf("call %+v", c)
	}
	// Network failures are reported with the daemon's text and a hint.
	e = newEnv(t, "htcuser", 1001, "")
	e.fc.err = errDaemon("Failed to connect to remote daemon at '<127.0.0.1:1>'")
	err := e.modern("query", "--type", "oauth")
	if cmdutil.CodeOf(err) != cmdutil.ExitFailure || !strings.Contains(err.Error(), "is the daemon running") {
		t.Fatalf("err %v", err)
	}
}

func TestModernWriteFile(t *testing.T) {
	e := newEnv(t, "htcuser", 1001, "")
	p := filepath.Join(e.dir, "pw")
	e.stdin.WriteString("abc")
	if err := e.modern("add", "--write-file", p, "--from", "-"); err != nil {
		t.Fatal(err)
	}
	if fileHex(t, p) != "bfcfdd" || len(e.calls()) != 0 {
		t.Fatalf("file %s calls %v", fileHex(t, p), e.calls())
	}
}

// TestModernCredSubject: the messages name the credential's owner — the
// --user target, not the caller the daemon reports in
// fully_qualified_user (a CRED_SUPER_USERS member acting for someone else).
func TestModernCredSubject(t *testing.T) {
	e := newEnv(t, "htcuser", 1001, "")
	e.fc.reply = client.StoreCredReply{Code: 6, Ad: replyAd(t, "fully_qualified_user", "admin@htc.local")}
	if err := e.modern("add", "--type", "oauth", "--service", "s", "--user", "bob@htc.local", "--from", "-", "-o", "json"); err == nil || !strings.Contains(err.Error(), "the secret is empty") {
		t.Fatalf("empty stdin: %v", err)
	}
	e.stdin.WriteString("tok")
	if err := e.modern("add", "--type", "oauth", "--service", "s", "--user", "bob@htc.local", "--from", "-", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(e.stdout.Bytes(), &res); err != nil || res["account"] != "bob@htc.local" {
		t.Fatalf("json %v %v", res, err)
	}
	e = newEnv(t, "htcuser", 1001, "")
	e.fc.reply = client.StoreCredReply{Code: 1, Ad: replyAd(t, "fully_qualified_user", "admin@htc.local")}
	if err := e.modern("delete", "--type", "oauth", "--service", "s", "--user", "bob@htc.local"); err != nil {
		t.Fatal(err)
	}
	if got := e.stdout.String(); !strings.HasPrefix(got, "Deleted the OAuth credential of bob@htc.local.\n") {
		t.Fatalf("stdout %q", got)
	}
	// Without --user the daemon's fully_qualified_user names the owner.
	e = newEnv(t, "htcuser", 1001, "")
	e.fc.reply = client.StoreCredReply{Code: 1, Ad: replyAd(t, "fully_qualified_user", "condor@htc.local")}
	if err := e.modern("query", "--type", "oauth", "--service", "s"); err != nil {
		t.Fatal(err)
	}
	if got := e.stdout.String(); !strings.HasPrefix(got, "An OAuth credential of condor@htc.local is stored and valid.\n") {
		t.Fatalf("stdout %q", got)
	}
}
