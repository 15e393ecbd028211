package commands

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/iostreams"
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
		{[]string{"token", "fetch"}, cmdutil.ExitUnavailable, "condor-auth: token fetch is not available yet in this build"},
	} {
		f, streams := testFactory(t, "")
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

func TestLegacyNotAvailable(t *testing.T) {
	f, streams := testFactory(t, "")
	code := Main(f, "condor_token_request_list", []string{"/usr/bin/condor_token_request_list", "-json"})
	out, errOut := streams()
	want := "/usr/bin/condor_token_request_list: token requests is not available yet in this build: it needs the CEDAR network client, which is not implemented yet\n"
	if code != 1 || out != "" || errOut != want {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
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
}
