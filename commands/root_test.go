package commands

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/iostreams"
	"github.com/condor-auth/condor-auth/pkg/locate"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

func fakeLinks(m map[string]string) func(string) (string, error) {
	return func(p string) (string, error) {
		if t, ok := m[p]; ok {
			return t, nil
		}
		return "", errors.New("not a link")
	}
}

func TestToolName(t *testing.T) {
	links := fakeLinks(map[string]string{
		"/bin/mytf":               "condor_token_fetch",
		"/bin/condor_token_fetch": "/opt/condor-auth",
		"/bin/other":              "/opt/condor-auth",
		"/bin/a":                  "b",
		"/bin/b":                  "condor_store_cred",
		"/bin/condor_store_cred":  "/opt/condor-auth",
		"/bin/loop1":              "loop2",
		"/bin/loop2":              "loop1",
	})
	for _, tc := range []struct {
		argv0, want string
		ok          bool
	}{
		{"/bin/condor_token_fetch", "condor_token_fetch", true},
		{"/bin/mytf", "condor_token_fetch", true},
		{"/bin/a", "condor_store_cred", true},
		{"/opt/condor-auth", "condor-auth", true},
		{"/opt/condor-auth-linux-amd64", "condor-auth", true},
		{"/bin/other", "other", false}, // the binary at the end of the chain does not count
		{"/bin/loop1", "loop1", false},
		{"/x/condor_token_list", "condor_token_list", true},
	} {
		got, ok := ToolName(tc.argv0, links)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ToolName(%q) = %q, %v; want %q, %v", tc.argv0, got, ok, tc.want, tc.ok)
		}
	}
}

func testFactory(t *testing.T, conf string) (*cmdutil.Factory, func() (string, string)) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "condor_config")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New()
	f.IOStreams = ios
	f.Config = cmdutil.CachedConfig(config.Options{Subsystem: "TOOL", ConfigFile: p, Env: []string{"_CONDOR_FROM_ENV=yes"}})
	return f, func() (string, string) { return out.String(), errOut.String() }
}

func TestMainModernErrors(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"frobnicate"}, cmdutil.ExitUsage, `unknown command "frobnicate"`},
		{[]string{"token", "create", "--bogus"}, cmdutil.ExitUsage, "unknown flag: --bogus"},
		{[]string{"token", "create", "--identity", "a@b", "--lifetime", "soon"}, cmdutil.ExitUsage, `lifetime "soon" is neither a duration`},
		{[]string{"token", "list", "-o", "yaml"}, cmdutil.ExitUsage, `invalid output format "yaml"`},
		{[]string{"token", "approve"}, cmdutil.ExitUsage, "give exactly one of --reqid ID or --all"},
		{[]string{"cred", "add", "--type", "oauth"}, cmdutil.ExitUsage, "--service is required"},
		{[]string{"token", "fetch"}, cmdutil.ExitAuth, `condor-auth: cannot fetch a token: SECMAN:2010:Received "DENIED" from server for user u@d using method FS.`},
		{[]string{"token", "fetch", "--token", "a", "--file", "b"}, cmdutil.ExitUsage, "--token and --file cannot be used together"},
		{[]string{"token", "approve", "--all"}, cmdutil.ExitUsage, "stdin is not a terminal (add --yes"},
		{[]string{"cred", "add", "--type", "krb"}, cmdutil.ExitUsage, "use --from FILE or --from -"},
		{[]string{"ping", "READ", "WRITE"}, cmdutil.ExitUsage, "accepts at most 1 arg"},
	} {
		f, streams := testFactory(t, "")
		withNet(f, &fakeNet{err: condorerr.New("SECMAN", 2010, `Received "DENIED" from server for user u@d using method FS.`)})
		code := Main(f, RootName, append([]string{RootName}, tc.args...))
		_, errOut := streams()
		if code != tc.code || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%v: exit %d stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.stderr)
		}
	}
}

func TestMainUnknownPersonality(t *testing.T) {
	f, streams := testFactory(t, "")
	code := Main(f, "condor_frob", []string{"condor_frob"})
	_, errOut := streams()
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, `unknown program name "condor_frob"`) {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
}

func TestConfigCommand(t *testing.T) {
	f, streams := testFactory(t, "FOO = bar\nBAZ = $(FOO)-x\n")
	code := Main(f, RootName, []string{RootName, "config", "BAZ", "from_env", "NOPE"})
	out, errOut := streams()
	if code != 1 || out != "bar-x\nyes\n" || errOut != "Not defined: NOPE\n" {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
	}
	f, streams = testFactory(t, "FOO = bar\n")
	code = Main(f, RootName, []string{RootName, "config", "-o", "json", "FOO"})
	out, _ = streams()
	if code != 0 || !strings.Contains(out, `"value": "bar"`) || !strings.Contains(out, `"line": 1`) {
		t.Fatalf("json: exit %d out %q", code, out)
	}
}

// The legacy names reach the network verbs through runLegacy with the
// originals' exact output (a scripted client stands in for the daemon).
func TestLegacyNetworkTools(t *testing.T) {
	ad := classad.NewAd()
	for _, kv := range [][2]string{{"ClientId", "host-755"}, {"RequestId", "0642594"}, {"PeerLocation", "127.0.0.1"},
		{"RequestedIdentity", "alice@htc.local"}, {"LimitAuthorization", "READ,WRITE"}, {"AuthenticatedIdentity", "condor@htc.local"}} {
		if err := ad.SetString(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := ad.SetInt("TokenLifetime", 3600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name           string
		argv           []string
		fake           *fakeNet
		stdin          string
		code           int
		stdout, stderr string
		calls          []string
	}{
		{name: "request list -json", argv: []string{"/usr/bin/condor_token_request_list", "-json"}, fake: &fakeNet{ads: []*classad.Ad{ad}},
			stdout: "[\n{\n  \"AuthenticatedIdentity\": \"condor@htc.local\",\n  \"ClientId\": \"host-755\",\n  \"LimitAuthorization\": \"READ,WRITE\",\n" +
				"  \"PeerLocation\": \"127.0.0.1\",\n  \"RequestedIdentity\": \"alice@htc.local\",\n  \"RequestId\": \"0642594\",\n  \"TokenLifetime\": 3600\n}\n]\n",
			calls: []string{`list collector ""`}},
		{name: "request list, nothing", argv: []string{"condor_token_request_list", "-type", "SCHEDD"}, fake: &fakeNet{},
			stderr: "Remote daemon reports no requests pending.\n", calls: []string{`list schedd ""`}},
		{name: "fetch not located", argv: []string{"condor_token_fetch", "-name", "nosuchschedd"},
			fake: &fakeNet{err: &locate.ToolError{Line: "ERROR: couldn't locate daemon nosuchschedd!"}},
			code: 1, stderr: "ERROR: couldn't locate daemon nosuchschedd!\n", calls: []string{"fetch schedd [] -1 "}},
		{name: "fetch -remote without a local schedd", argv: []string{"condor_token_fetch", "-remote"}, fake: &fakeNet{},
			code: 2, stderr: "Unable to determine default schedd's name.\n"},
		{name: "approve refused (stderr before buffered stdout)", argv: []string{"condor_token_request_approve"}, fake: &fakeNet{ads: []*classad.Ad{ad}},
			stdin: "no\n", code: 1, stderr: "Request was NOT approved.\n",
			stdout: "Request contents:\nClientId = \"host-755\"\nRequestId = \"0642594\"\nPeerLocation = \"127.0.0.1\"\nTokenLifetime = 3600\n" +
				"RequestedIdentity = \"alice@htc.local\"\nLimitAuthorization = \"READ,WRITE\"\nAuthenticatedIdentity = \"condor@htc.local\"\n\nTo approve, please type 'yes'\n",
			calls: []string{`list collector ""`}},
		{name: "auto-approve", argv: []string{"condor_token_request_auto_approve", "-netblock", "127.0.0.0/8", "-lifetime", "600"}, fake: &fakeNet{},
			stdout: "Successfully installed auto-approval rule for netblock 127.0.0.0/8 with lifetime of 0.17 hours\n",
			stderr: "Remote daemon reports no un-approved requests pending.\n", calls: []string{"auto 127.0.0.0/8 600", `list collector ""`}},
		{name: "store_cred query-oauth", argv: []string{"condor_store_cred", "query-oauth"}, fake: &fakeNet{store: client.StoreCredReply{Code: 5}},
			code: 1, stdout: "Account: <current> (tester)\nCredType: oauth\n\nNo credential is stored.\n", calls: []string{"store credd 42"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, streams := testFactory(t, "UID_DOMAIN = htc.local\n")
			f.User = func() (osuser.User, error) {
				return osuser.User{Uid: os.Getuid(), Name: "tester", Home: t.TempDir()}, nil
			}
			f.IOStreams.In.(*bytes.Buffer).WriteString(tc.stdin)
			withNet(f, tc.fake)
			code := Main(f, filepath.Base(tc.argv[0]), tc.argv)
			out, errOut := streams()
			if code != tc.code || out != tc.stdout || errOut != tc.stderr {
				t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant %d\n       %q\n       %q", code, out, errOut, tc.code, tc.stdout, tc.stderr)
			}
			if strings.Join(tc.fake.calls, "|") != strings.Join(tc.calls, "|") {
				t.Fatalf("calls %q, want %q", tc.fake.calls, tc.calls)
			}
		})
	}
}

func TestInstallLinks(t *testing.T) {
	dir := t.TempDir()
	made, err := InstallLinks(dir, "/opt/condor-auth", false)
	if err != nil || len(made) != 8 {
		t.Fatalf("%v %v", made, err)
	}
	if _, err := InstallLinks(dir, "/opt/condor-auth", false); err == nil || !strings.Contains(err.Error(), "already exists (use --force") {
		t.Fatalf("second install: %v", err)
	}
	if _, err := InstallLinks(dir, "/opt/other", true); err != nil {
		t.Fatal(err)
	}
	if tgt, _ := os.Readlink(filepath.Join(dir, "condor_store_cred")); tgt != "/opt/other" {
		t.Fatalf("--force target %q", tgt)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 8 {
		t.Fatalf("stray files: %v", entries)
	}
}

func TestLegacyManPages(t *testing.T) {
	page := LegacyManPage("condor_token_fetch")
	for _, want := range []string{".TH CONDOR_TOKEN_FETCH 1", "Usage: condor_token_fetch [-type TYPE]", "-to[ken] ", "-a[uthz] "} {
		if !strings.Contains(page, want) {
			t.Errorf("man page lacks %q:\n%s", want, page)
		}
	}
	dir := t.TempDir()
	f, _ := testFactory(t, "")
	if code := Main(f, RootName, []string{RootName, "man", dir}); code != 0 {
		t.Fatalf("man exit %d", code)
	}
	for _, name := range []string{"condor-auth.1", "condor-auth-token-create.1", "condor_store_cred.1", "condor_token_list.1"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("missing %s", name)
		}
	}
	modern, _ := os.ReadFile(filepath.Join(dir, "condor-auth-token-create.1"))
	for _, want := range []string{".TH CONDOR-AUTH-TOKEN-CREATE 1", "condor-auth-token-create \\- Sign a token", ".SH OPTIONS", "--identity string", ".BR condor-auth-token (1)"} {
		if !strings.Contains(string(modern), want) {
			t.Errorf("token create page lacks %q:\n%s", want, modern)
		}
	}
	if got := roffEscape(".x\\y\n'z"); got != "\\&.x\\ey\n\\&'z" {
		t.Errorf("roffEscape = %q", got)
	}
}

// TestLegacyDebugReachesClient checks that -debug (any accepted spelling)
// hands stderr to the network client as its debug log, and that without
// it the client gets none.
func TestLegacyDebugReachesClient(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want bool
	}{
		{[]string{"condor_token_fetch", "-debug"}, true},
		{[]string{"condor_token_request_list", "-d:D_SECURITY"}, true},
		{[]string{"condor_store_cred", "query-oauth", "-d"}, true},
		{[]string{"condor_token_fetch"}, false},
	} {
		t.Run(strings.Join(tc.argv, " "), func(t *testing.T) {
			f, _ := testFactory(t, "UID_DOMAIN = htc.local\n")
			f.User = func() (osuser.User, error) {
				return osuser.User{Uid: os.Getuid(), Name: "tester", Home: t.TempDir()}, nil
			}
			withNet(f, &fakeNet{})
			Main(f, tc.argv[0], tc.argv)
			if got := f.Debug != nil; got != tc.want {
				t.Fatalf("debug writer set = %v, want %v", got, tc.want)
			}
			if tc.want && f.Debug != f.IOStreams.ErrOut {
				t.Fatalf("debug writer is not stderr")
			}
		})
	}
}
