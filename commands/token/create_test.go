package token

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/iostreams"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// Vector 1 of testdata/vectors/jwt.md: what condor_token_create
// -identity alice@example.org -authz READ -authz WRITE -lifetime 3600
// prints at time 1700000000 with that jti.
const vector1 = "eyJhbGciOiJIUzI1NiIsImtpZCI6IlBPT0wifQ.eyJleHAiOjE3MDAwMDM2MDAsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiZXhhbXBsZS5vcmciLCJqdGkiOiIwMDExMjIzMzQ0NTU2Njc3ODg5OWFhYmJjY2RkZWVmZiIsInNjb3BlIjoiY29uZG9yOlwvUkVBRCBjb25kb3I6XC9XUklURSIsInN1YiI6ImFsaWNlQGV4YW1wbGUub3JnIn0.xrRo3rUwffZ9ujh9i29q9zKtr3XpzcGTXBnaLLlqidw"

type env struct {
	f                *cmdutil.Factory
	stdin            *bytes.Buffer
	stdout, stderr   *bytes.Buffer
	local, tokensDir string
}

// newEnv builds a Factory over a private pool whose POOL key is the
// testpassword vector, TRUST_DOMAIN example.org, clock 1700000000 and a
// jti source giving 00112233….
func newEnv(t *testing.T, extraConfig string) *env {
	t.Helper()
	dir := t.TempDir()
	local := filepath.Join(dir, "local")
	pw := filepath.Join(local, "etc", "passwords.d")
	if err := os.MkdirAll(pw, 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile("../../testdata/vectors/pool_password_testpassword")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pw, "POOL"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	conf := "LOCAL_DIR = " + local + "\nETC = $(LOCAL_DIR)/etc\nTRUST_DOMAIN = example.org\n" +
		"SEC_TOKEN_DIRECTORY = $(LOCAL_DIR)/tokens.d\n" + extraConfig
	cfgFile := filepath.Join(dir, "condor_config")
	if err := os.WriteFile(cfgFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, in, out, errOut := iostreams.Test()
	jti, _ := hex.DecodeString("00112233445566778899aabbccddeeff")
	f := &cmdutil.Factory{
		IOStreams: ios,
		Config:    cmdutil.CachedConfig(config.Options{Subsystem: "TOOL", ConfigFile: cfgFile, Env: []string{}}),
		User:      func() (osuser.User, error) { return osuser.User{Uid: os.Getuid(), Name: "tester", Home: dir}, nil },
		Now:       func() time.Time { return time.Unix(1700000000, 0) },
		Rand:      bytes.NewReader(bytes.Repeat(jti, 8)),
		Uid:       os.Getuid(),
		Euid:      os.Geteuid(),
	}
	return &env{f: f, stdin: in, stdout: out, stderr: errOut, local: local, tokensDir: filepath.Join(local, "tokens.d")}
}

func TestCreateReproducesVector1(t *testing.T) {
	e := newEnv(t, "")
	err := CreateRun(&CreateOptions{F: e.f, Legacy: true, Identity: "alice@example.org",
		KeyID: "POOL", Authz: []string{"READ", "WRITE"}, Lifetime: 3600})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.stdout.String(); got != vector1+"\n" {
		t.Fatalf("stdout\n got %q\nwant %q", got, vector1+"\n")
	}
	if e.stderr.Len() != 0 {
		t.Fatalf("stderr %q", e.stderr)
	}
}

func TestCreateModernTokenFileAndJSON(t *testing.T) {
	e := newEnv(t, "")
	cmd := NewCmdCreate(e.f, nil)
	cmd.SetArgs([]string{"--identity", "alice@example.org", "--lifetime", "1h", "--authz", "READ", "--authz", "WRITE", "--token", "alice", "-o", "json"})
	cmd.SetOut(e.stdout)
	cmd.SetErr(e.stderr)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.tokensDir, "alice")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != vector1+"\n" {
		t.Fatalf("file content %q", data)
	}
	fi, _ := os.Stat(path)
	di, _ := os.Stat(e.tokensDir)
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Fatalf("modes file %v dir %v", fi.Mode(), di.Mode())
	}
	out := e.stdout.String()
	for _, want := range []string{`"file": "` + path + `"`, `"sub": "alice@example.org"`, `"exp": 1700003600`, `"expires": "2023-11-14T23:13:20Z"`, `"READ"`} {
		if !strings.Contains(out, want) {
			t.Errorf("json output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, vector1) {
		t.Error("json output of a token written to a file must not contain the token")
	}
}

func TestCreateModernRequiresIdentity(t *testing.T) {
	e := newEnv(t, "")
	cmd := NewCmdCreate(e.f, func(*CreateOptions) error { t.Fatal("ran"); return nil })
	cmd.SetArgs([]string{"--lifetime", "10m"})
	cmd.SetOut(e.stdout)
	cmd.SetErr(e.stderr)
	err := cmd.Execute()
	if cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--identity is required") {
		t.Fatalf("err = %v", err)
	}
}

func TestCreateLifetimeParsing(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want int64
	}{{"600", 600}, {"10m", 600}, {"1h30m", 5400}, {"0", 0}} {
		e := newEnv(t, "")
		var got *CreateOptions
		cmd := NewCmdCreate(e.f, func(o *CreateOptions) error { got = o; return nil })
		cmd.SetArgs([]string{"--identity", "a@b", "--lifetime", tc.arg})
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%s: %v", tc.arg, err)
		}
		if got.Lifetime != tc.want {
			t.Fatalf("%s: lifetime %d, want %d", tc.arg, got.Lifetime, tc.want)
		}
	}
	e := newEnv(t, "")
	var got *CreateOptions
	cmd := NewCmdCreate(e.f, func(o *CreateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--identity", "a@b"})
	if err := cmd.Execute(); err != nil || got.Lifetime != -1 {
		t.Fatalf("no --lifetime: %v, %+v", err, got)
	}
	for _, bad := range []string{"-5", "10x", "1.5s"} {
		cmd := NewCmdCreate(e.f, func(o *CreateOptions) error { return nil })
		cmd.SetArgs([]string{"--identity", "a@b", "--lifetime", bad})
		cmd.SetOut(e.stdout)
		cmd.SetErr(e.stderr)
		if err := cmd.Execute(); err == nil {
			t.Fatalf("--lifetime %s accepted", bad)
		}
	}
}

func TestCreateLegacyKeyFailures(t *testing.T) {
	e := newEnv(t, "")
	poolFile := filepath.Join(e.local, "etc", "passwords.d", "POOL")
	if err := os.Chmod(poolFile, 0o640); err != nil {
		t.Fatal(err)
	}
	err := CreateRun(&CreateOptions{F: e.f, Legacy: true, Identity: "alice@example.org", KeyID: "POOL", Lifetime: -1})
	if cmdutil.CodeOf(err) != 2 {
		t.Fatalf("exit %d, want 2", cmdutil.CodeOf(err))
	}
	want := "Failed to generate a token.\nTOKEN:1:Failed to read file " + poolFile + " securely.\n"
	if e.stderr.String() != want || e.stdout.Len() != 0 {
		t.Fatalf("stderr %q, want %q", e.stderr, want)
	}

	// The modern CLI names the cause and uses the key exit code.
	e2 := newEnv(t, "")
	poolFile = filepath.Join(e2.local, "etc", "passwords.d", "POOL")
	_ = os.Chmod(poolFile, 0o640)
	err = CreateRun(&CreateOptions{F: e2.f, Identity: "alice@example.org", KeyID: "POOL", Lifetime: -1})
	if cmdutil.CodeOf(err) != cmdutil.ExitKey || !strings.Contains(err.Error(), "group/other") {
		t.Fatalf("modern: %v", err)
	}
}

func TestCreateIssuerErrors(t *testing.T) {
	e := newEnv(t, "TRUST_DOMAIN = bad domain\n")
	err := CreateRun(&CreateOptions{F: e.f, Legacy: true, Identity: "a@b", KeyID: "POOL", Lifetime: -1})
	if cmdutil.CodeOf(err) != 2 || e.stderr.String() != "Failed to generate a token.\nPASSWD:1:Issuer namespace may not contain spaces or commas\n" {
		t.Fatalf("exit %d stderr %q", cmdutil.CodeOf(err), e.stderr)
	}
}
