package server

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/config"
)

// dirsFixture is a daemon whose configuration file lives in top and whose
// LOCAL_DIR is top/local, which may not exist yet.
func dirsFixture(t *testing.T, top string) *fixture {
	t.Helper()
	local := filepath.Join(top, "local")
	text := "LOCAL_DIR = " + local + "\nCOLLECTOR_HOST = 127.0.0.1:0\nUID_DOMAIN = example.net\n" +
		"SEC_DEFAULT_AUTHENTICATION_METHODS = TOKEN\nSCHEDD_NAME = schedd@vm\n"
	p := filepath.Join(top, "condor_config")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Subsystem: "COLLECTOR", ConfigFile: p, Env: []string{}, Hostname: "vm"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{dir: local, cfg: cfg, clock: &clock{t: time.Unix(1795640000, 0)}, log: &syncBuffer{}}
}

// TestPublicDirsCreated: a daemon started on a LOCAL_DIR that does not
// exist yet creates LOCAL_DIR, LOG and SPOOL 0755, so that every user's
// tools can read the address files in them, while the key directory stays
// 0700. Without ensureDirs, MkdirAll for passwords.d and for the state
// file made LOCAL_DIR and SPOOL 0700, and a non-root condor_token_fetch
// printed "ERROR: couldn't locate default daemon type.".
func TestPublicDirsCreated(t *testing.T) {
	f := dirsFixture(t, t.TempDir())
	f.start(t)
	defer f.stop(t)
	for dir, want := range map[string]os.FileMode{
		f.dir:                               0o755,
		filepath.Join(f.dir, "log"):         0o755,
		filepath.Join(f.dir, "spool"):       0o755,
		filepath.Join(f.dir, "passwords.d"): 0o700,
	} {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", dir, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(f.dir, "spool", ".schedd_address")); err != nil {
		t.Errorf("schedd address file: %v", err)
	}
}

// TestPublicDirsKept: directories that exist keep their modes.
func TestPublicDirsKept(t *testing.T) {
	top := t.TempDir()
	f := dirsFixture(t, top)
	spool := filepath.Join(f.dir, "spool")
	if err := os.MkdirAll(spool, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(spool, 0o711); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	defer f.stop(t)
	for dir, want := range map[string]os.FileMode{f.dir: 0o700, spool: 0o711} {
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want mode %v kept", dir, fi.Mode(), err, want)
		}
	}
}
