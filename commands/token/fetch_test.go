package token

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/config"
)

func fetchReturns(tok string, err error) *fakeClient {
	return &fakeClient{fetch: func(client.Target, []string, int64, string) (string, error) { return tok, err }}
}

// Legacy condor_token_fetch: every row of real-tools.md §2.2 that does not
// need a real daemon, with the daemon's answer scripted.
func TestLegacyFetchMessages(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope", "tok")
	for _, tc := range []struct {
		name           string
		opts           FetchOptions
		tok            string
		err            error
		code           int
		stdout, stderr string
	}{
		{name: "F1 token on stdout", tok: vector1, stdout: vector1 + "\n"},
		{name: "F16 name not located", opts: FetchOptions{Target: cmdutil.Target{Name: "nosuchschedd"}},
			err: locateErr("ERROR: couldn't locate daemon nosuchschedd!"), code: 1, stderr: "ERROR: couldn't locate daemon nosuchschedd!\n"},
		{name: "default type not located", err: locateErr("ERROR: couldn't locate default daemon type."), code: 1,
			stderr: "ERROR: couldn't locate default daemon type.\n"},
		{name: "F45 unknown pool host", opts: FetchOptions{Target: cmdutil.Target{Pool: "no.such.host.invalid"}},
			err: locateErr("ERROR: unknown host no.such.host.invalid"), code: 1, stderr: "ERROR: unknown host no.such.host.invalid\n"},
		{name: "F20 key refused", opts: FetchOptions{Key: "NOSUCHKEY"}, err: daemonErr("DAEMON", 3, "Server will not sign with requested key."),
			code: 1, stderr: "Failed to request a session token: DAEMON:3:Server will not sign with requested key.\n"},
		{name: "F21 key file missing", opts: FetchOptions{Key: "AP"},
			err:  daemonErr("DAEMON", 1, "TOKEN:1:Failed to read file /x/etc/passwords.d/AP securely."),
			code: 1, stderr: "Failed to request a session token: DAEMON:1:TOKEN:1:Failed to read file /x/etc/passwords.d/AP securely.\n"},
		{name: "connection refused", err: daemonErr("DAEMON", 1, "Failed to connect to remote daemon at '<127.0.0.1:1>'"),
			code: 1, stderr: "Failed to request a session token: DAEMON:1:Failed to connect to remote daemon at '<127.0.0.1:1>'\n"},
		{name: "denied", err: daemonErr("SECMAN", 2010, `Received "DENIED" from server for user htcuser@htc.local using method FS.`),
			code: 1, stderr: "Failed to request a session token: SECMAN:2010:Received \"DENIED\" from server for user htcuser@htc.local using method FS.\n"},
		{name: "F10 token name not plain, after the fetch", opts: FetchOptions{TokenName: "../evil"}, tok: vector1,
			code: 1, stderr: "Token name isn't a plain filename\n"},
		{name: "F11 file in a missing directory", opts: FetchOptions{File: missing}, tok: vector1,
			code: 1, stderr: "Cannot write token to " + missing + ": No such file or directory (errno=2)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := fetchReturns(tc.tok, tc.err)
			e := newEnv(t, "").withClient(fc)
			opts := tc.opts
			opts.F, opts.Legacy, opts.Lifetime = e.f, true, -1
			err := FetchRun(&opts)
			if got := cmdutil.CodeOf(err); got != tc.code {
				t.Fatalf("exit %d (%v), want %d", got, err, tc.code)
			}
			if e.stdout.String() != tc.stdout || e.stderr.String() != tc.stderr {
				t.Fatalf("stdout %q\nstderr %q\nwant   %q\n       %q", e.stdout, e.stderr, tc.stdout, tc.stderr)
			}
			if calls := fc.callList(); len(calls) != 1 {
				t.Fatalf("calls %v", calls)
			}
		})
	}
}

func TestLegacyFetchRequestAndFiles(t *testing.T) {
	fc := fetchReturns(vector1, nil)
	e := newEnv(t, "").withClient(fc)
	// F5 with -token: the options reach the client as given, the token
	// lands in the token directory, nothing is printed.
	err := FetchRun(&FetchOptions{F: e.f, Legacy: true, Authz: []string{"READ", "WRITE"}, Lifetime: 600,
		Key: "POOL", TokenName: "fetched", Target: cmdutil.Target{Type: "collector", Timeout: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{`fetch collector [READ WRITE] 600 "POOL"`}, fc.callList()); diff != "" {
		t.Fatal(diff)
	}
	if e.stdout.Len()+e.stderr.Len() != 0 {
		t.Fatalf("output %q %q", e.stdout, e.stderr)
	}
	data, err := os.ReadFile(filepath.Join(e.tokensDir, "fetched"))
	if err != nil || string(data) != vector1+"\n" {
		t.Fatalf("token file %q %v", data, err)
	}
	// Default type is the schedd.
	fc = fetchReturns(vector1, nil)
	e = newEnv(t, "").withClient(fc)
	p := filepath.Join(t.TempDir(), "tok.file")
	if err := FetchRun(&FetchOptions{F: e.f, Legacy: true, Lifetime: -1, File: p}); err != nil {
		t.Fatal(err)
	}
	if got := fc.callList(); got[0] != `fetch schedd [] -1 ""` {
		t.Fatalf("call %q", got[0])
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file %v %v", fi, err)
	}
}

func TestFetchConfigError(t *testing.T) {
	fc := fetchReturns(vector1, nil)
	e := newEnv(t, "").withClient(fc)
	e.f.Config = func() (*config.Config, error) { return nil, errors.New("bad configuration") }
	err := FetchRun(&FetchOptions{F: e.f, Legacy: true})
	if cmdutil.CodeOf(err) != 1 || !strings.Contains(err.Error(), "bad configuration") || len(fc.callList()) != 0 {
		t.Fatalf("legacy: err %v calls %v", err, fc.callList())
	}
	err = FetchRun(&FetchOptions{F: e.f})
	if cmdutil.CodeOf(err) != cmdutil.ExitConfig {
		t.Fatalf("modern: err %v", err)
	}
	// A client that cannot be built (e.g. a bad security setting) is a
	// configuration problem too.
	e = newEnv(t, "")
	e.f.Client = func(cmdutil.ClientOptions) (cmdutil.NetClient, error) {
		return nil, errors.New("SEC_CLIENT_AUTHENTICATION_METHODS: unknown method BOGUS")
	}
	err = FetchRun(&FetchOptions{F: e.f})
	if cmdutil.CodeOf(err) != cmdutil.ExitConfig || !strings.Contains(err.Error(), "BOGUS") {
		t.Fatalf("client: err %v", err)
	}
}

func TestModernFetch(t *testing.T) {
	e := newEnv(t, "").withClient(fetchReturns(vector1, nil))
	cmd := NewCmdFetch(e.f, nil)
	cmd.SetArgs([]string{"--lifetime", "10m", "--authz", "READ", "-o", "json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	out := e.stdout.String()
	for _, want := range []string{`"token": "` + vector1 + `"`, `"sub": "alice@example.org"`} {
		if !strings.Contains(out, want) {
			t.Errorf("json lacks %s:\n%s", want, out)
		}
	}
	// The lifetime flag reaches the client in seconds.
	fc := fetchReturns(vector1, nil)
	e = newEnv(t, "").withClient(fc)
	cmd = NewCmdFetch(e.f, nil)
	cmd.SetArgs([]string{"--lifetime", "10m", "--token", "mine"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got := fc.callList()[0]; got != `fetch schedd [] 600 ""` {
		t.Fatalf("call %q", got)
	}
	if !strings.Contains(e.stderr.String(), "Token written to "+filepath.Join(e.tokensDir, "mine")) {
		t.Fatalf("stderr %q", e.stderr)
	}
}

func TestModernFetchErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		err  error
		code int
		msg  string
	}{
		{"both destinations", []string{"--token", "a", "--file", "b"}, nil, cmdutil.ExitUsage, "--token and --file cannot be used together"},
		{"--remote with another type", []string{"--remote", "--type", "collector"}, nil, cmdutil.ExitUsage, "--remote is only valid with the schedd"},
		{"--remote with --key", []string{"--remote", "--key", "POOL"}, nil, cmdutil.ExitUsage, "--key cannot be used with --remote"},
		{"denied", nil, daemonErr("SECMAN", 2010, `Received "DENIED" from server for user a@b using method FS.`), cmdutil.ExitAuth, "check its ALLOW_* settings"},
		{"authentication", nil, condorerr.New("AUTHENTICATE", 1004, "Failed to authenticate using SSL").Wrap("AUTHENTICATE", 1003, "Failed to authenticate with any method"),
			cmdutil.ExitAuth, "AUTHENTICATE:1003:Failed to authenticate with any method|AUTHENTICATE:1004"},
		{"not located", nil, locateErr("ERROR: couldn't locate daemon x!"), cmdutil.ExitFailure, "cannot fetch a token: couldn't locate daemon x!"},
		{"refused", nil, daemonErr("DAEMON", 1, "Failed to connect to remote daemon at '<127.0.0.1:1>'"), cmdutil.ExitFailure, "is the daemon running"},
		{"timeout", nil, context.DeadlineExceeded, cmdutil.ExitTimeout, "timed out"},
		{"daemon error", nil, daemonErr("DAEMON", 3, "Server will not sign with requested key."), cmdutil.ExitFailure, "DAEMON:3:Server will not sign with requested key."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "").withClient(fetchReturns("", tc.err))
			err := execute(NewCmdFetch(e.f, nil), tc.args...)
			if cmdutil.CodeOf(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err %v (exit %d), want %d and %q", err, cmdutil.CodeOf(err), tc.code, tc.msg)
			}
			if e.stdout.Len() != 0 {
				t.Fatalf("stdout %q", e.stdout)
			}
		})
	}
}

// TestFetchRemote covers condor_token_fetch -remote (tokens.md §3.7): the
// default schedd name, the request sent to the collector, the fixed error
// header and the exit status taken from the error chain.
func TestFetchRemote(t *testing.T) {
	for _, tc := range []struct {
		name           string
		opts           FetchOptions
		schedd         string
		reply          error
		code           int
		stdout, stderr string
		calls          []string
	}{
		{name: "default schedd, token on stdout", opts: FetchOptions{Legacy: true, Lifetime: -1}, schedd: "schedd@host",
			stdout: vector1 + "\n",
			calls:  []string{"defaultScheddName", `remote pool="" type="" name="" schedd="schedd@host" authz=[] lifetime=-1`}},
		{name: "-name and -pool, authz and lifetime 0 sent", opts: FetchOptions{Legacy: true, Target: cmdutil.Target{Name: "s2", Pool: "cm:9618"}, Authz: []string{"READ"}, Lifetime: 0},
			stdout: vector1 + "\n",
			calls:  []string{`remote pool="cm:9618" type="" name="" schedd="s2" authz=[READ] lifetime=0`}},
		{name: "no default schedd", opts: FetchOptions{Legacy: true, Lifetime: -1},
			code: 2, stderr: "Unable to determine default schedd's name.\n", calls: []string{"defaultScheddName"}},
		{name: "collector refuses: exit with its code", opts: FetchOptions{Legacy: true, Target: cmdutil.Target{Name: "s2"}, Lifetime: -1},
			reply: daemonErr("DAEMON", 5, "Schedd s2 is not known to the collector."),
			code:  5, stderr: "Remote token fetch failed with the following error:\n\nDAEMON:5:Schedd s2 is not known to the collector.\n",
			calls: []string{`remote pool="" type="" name="" schedd="s2" authz=[] lifetime=-1`}},
		{name: "collector unreachable", opts: FetchOptions{Legacy: true, Target: cmdutil.Target{Name: "s2"}, Lifetime: -1},
			reply: daemonErr("DCCollector", 2, "Failed to connect to remote daemon at '<127.0.0.1:9618>'"),
			code:  2, stderr: "Remote token fetch failed with the following error:\n\nDCCollector:2:Failed to connect to remote daemon at '<127.0.0.1:9618>'\n",
			calls: []string{`remote pool="" type="" name="" schedd="s2" authz=[] lifetime=-1`}},
		{name: "modern: no default schedd names --name", opts: FetchOptions{Lifetime: -1},
			code: cmdutil.ExitFailure, calls: []string{"defaultScheddName"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := &fakeClient{schedd: tc.schedd, remote: func(client.Target, string, []string, int64) (string, error) {
				if tc.reply != nil {
					return "", tc.reply
				}
				return vector1, nil
			}}
			e := newEnv(t, "").withClient(fc)
			opts := tc.opts
			opts.F, opts.Remote = e.f, true
			err := FetchRun(&opts)
			if got := cmdutil.CodeOf(err); got != tc.code {
				t.Fatalf("exit %d (%v), want %d; stderr %q", got, err, tc.code, e.stderr)
			}
			if !opts.Legacy && tc.code != 0 {
				if err == nil || !strings.Contains(err.Error(), "--name") {
					t.Fatalf("modern error %v", err)
				}
				return
			}
			if e.stdout.String() != tc.stdout || e.stderr.String() != tc.stderr {
				t.Fatalf("stdout %q\nstderr %q\nwant   %q\n       %q", e.stdout, e.stderr, tc.stdout, tc.stderr)
			}
			if d := cmp.Diff(tc.calls, fc.callList()); d != "" {
				t.Errorf("calls (-want +got):\n%s", d)
			}
		})
	}
}
