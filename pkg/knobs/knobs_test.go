package knobs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

func load(t *testing.T, conf string) *config.Config {
	t.Helper()
	p := filepath.Join(t.TempDir(), "condor_config")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{ConfigFile: p, Env: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The manual's revocation examples (tokens.md §6.3), applied through
// idtoken.Verify to jwt.md vector 1 (sub alice@example.org, iat 1700000000,
// jti 00112233…).
func TestRevocationExamples(t *testing.T) {
	const vector1 = "eyJhbGciOiJIUzI1NiIsImtpZCI6IlBPT0wifQ.eyJleHAiOjE3MDAwMDM2MDAsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiZXhhbXBsZS5vcmciLCJqdGkiOiIwMDExMjIzMzQ0NTU2Njc3ODg5OWFhYmJjY2RkZWVmZiIsInNjb3BlIjoiY29uZG9yOlwvUkVBRCBjb25kb3I6XC9XUklURSIsInN1YiI6ImFsaWNlQGV4YW1wbGUub3JnIn0.xrRo3rUwffZ9ujh9i29q9zKtr3XpzcGTXBnaLLlqidw"
	dir := t.TempDir()
	key, err := os.ReadFile("../../testdata/vectors/pool_password_testpassword")
	if err != nil {
		t.Fatal(err)
	}
	pool := filepath.Join(dir, "POOL")
	if err := os.WriteFile(pool, key, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		expr    string
		revoked bool
	}{
		{"", false},
		{`sub =?= "alice@example.org"`, true},
		{`sub =?= "bob@example.org"`, false},
		{`sub =?= "alice@example.org" && iat <= 1588474719`, false},
		{`sub =?= "alice@example.org" && iat <= 1700000000`, true},
		{`jti =?= "00112233445566778899aabbccddeeff"`, true},
		{`jti =?= "c760c2af193a1fd4e40bc9c53c96ee7c" || sub =?= "x"`, false},
		{`nosuchclaim == 1`, true}, // UNDEFINED is treated as revoked
	} {
		conf := "SEC_TOKEN_POOL_SIGNING_KEY_FILE = " + pool + "\n"
		if tc.expr != "" {
			conf += "SEC_TOKEN_REVOCATION_EXPR = " + tc.expr + "\n"
		}
		cfg := load(t, conf)
		rev, err := Revocation(cfg)
		if err != nil {
			t.Fatal(err)
		}
		kc, err := Keys(cfg, os.Getuid())
		if err != nil {
			t.Fatal(err)
		}
		_, err = idtoken.Verify(vector1, idtoken.VerifyOptions{Keys: kc, Now: time.Unix(1700000001, 0), Revoked: rev})
		if got := errors.Is(err, idtoken.ErrRevoked); got != tc.revoked || (!tc.revoked && err != nil) {
			t.Errorf("%q: err = %v, want revoked=%v", tc.expr, err, tc.revoked)
		}
	}
}

func TestRevocationFallbackAndSyntax(t *testing.T) {
	rev, err := Revocation(load(t, `SEC_TOKEN_BLACKLIST_EXPR = sub =?= "a"`+"\n"))
	if err != nil || rev == nil {
		t.Fatalf("fallback: %v", err)
	}
	if r, _ := rev(map[string]any{"sub": "a"}); !r {
		t.Fatal("fallback expression not applied")
	}
	_, err = Revocation(load(t, "SEC_TOKEN_REVOCATION_EXPR = sub =?= (\n"))
	if err == nil || !strings.Contains(err.Error(), "SEC_TOKEN_REVOCATION_EXPR is not a valid ClassAd expression") {
		t.Fatalf("syntax error: %v", err)
	}
}

func TestTokenDirsAndKeys(t *testing.T) {
	cfg := load(t, "LOCAL_DIR = /l\nETC = /e\n")
	d, err := TokenDirs(cfg, false, "/home/u")
	if err != nil || d.Dir() != "/home/u/.condor/tokens.d" || d.Exclude == nil {
		t.Fatalf("user dir: %+v %v", d, err)
	}
	d, _ = TokenDirs(cfg, true, "/root")
	if d.Dir() != "/e/tokens.d" {
		t.Fatalf("root dir %q", d.Dir())
	}
	kc, err := Keys(cfg, 0)
	if err != nil || kc.PoolKeyFile != "/e/passwords.d/POOL" || kc.PasswordDir != "/e/passwords.d" {
		t.Fatalf("keys %+v %v", kc, err)
	}
	if _, err := Keys(load(t, "SEC_TOKEN_POOL_SIGNING_KEY_IS_PASSWORD = maybe\n"), 0); err == nil {
		t.Fatal("bad boolean accepted")
	}
}
