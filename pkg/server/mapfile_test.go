package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCertificateMapfile: serve maps authenticated names through
// CERTIFICATE_MAPFILE (cedar.md §4.6 step 5) — the fetched token carries
// the canonical identity — and refuses to start on a map file it cannot
// read exactly, naming the file and line.
func TestCertificateMapfile(t *testing.T) {
	dir := t.TempDir()
	mf := filepath.Join(dir, "condor_mapfile")
	if err := os.WriteFile(mf, []byte("# claims of carol become the administrator\nCLAIMTOBE ^carol@example\\.net$ admin@example.net\nCLAIMTOBE ^(.*)@other\\.org$ \\1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, "CERTIFICATE_MAPFILE = "+mf+"\n")
	for _, tc := range []struct{ claim, sub string }{
		{"carol@example.net", admin},
		{"dora@other.org", "dora@example.net"}, // no '@': UID_DOMAIN
		{"erin@example.net", "erin@example.net"},
	} {
		rep := f.mustCall(t, claimClient(t, tc.claim), cmdGetSessionToken, ad(t))
		wantNoError(t, rep)
		tok, _ := rep.GetString(attrToken)
		if got := f.parseToken(t, tok).Claims.Sub; got != tc.sub {
			t.Errorf("claim %s: token for %q, want %q", tc.claim, got, tc.sub)
		}
	}

	bad := filepath.Join(dir, "bad_mapfile")
	if err := os.WriteFile(bad, []byte("SSL ^(a)\\1$ x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := &fixture{dir: t.TempDir(), clock: f.clock, log: &syncBuffer{}}
	cfg := g.loadConfig(t, strings.ReplaceAll(baseConfig, "{DIR}", g.dir)+"CERTIFICATE_MAPFILE = "+bad+"\n")
	_, err := New(Options{Config: cfg, Logger: g.log, Now: g.clock.Now})
	if err == nil || !strings.Contains(err.Error(), "CERTIFICATE_MAPFILE") || !strings.Contains(err.Error(), bad+":1") {
		t.Fatalf("New with a PCRE-only map file: %v", err)
	}
}
