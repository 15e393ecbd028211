package credstore

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestWriteAtomic: content, mode, hidden temporary files, and removal of
// stale temporary files of the same credential only.
func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "svc.top")
	old := time.Now().Add(-time.Hour)
	for _, n := range []string{".svc.top.tmp123", ".svc.top.tmp456", ".svc.top.tmpx1", ".other.top.tmp1", "svc.top.tmp9"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(filepath.Join(dir, n), old, old); err != nil {
			t.Fatal(err)
		}
	}
	fresh := filepath.Join(dir, ".svc.top.tmp789")
	if err := os.WriteFile(fresh, []byte("in progress"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(path, []byte("cred"), -1, -1); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); string(got) != "cred" {
		t.Errorf("content %q", got)
	}
	if p := perm(t, path); p != 0o600 {
		t.Errorf("mode %04o", p)
	}
	want := []string{".other.top.tmp1", ".svc.top.tmp789", ".svc.top.tmpx1", "svc.top", "svc.top.tmp9"}
	if got := tree(t, dir); !cmp.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	if err := writeAtomic(filepath.Join(dir, "missing", "x"), []byte("x"), -1, -1); err == nil {
		t.Error("write into a missing directory succeeded")
	}
	if isRoot() {
		if err := writeAtomic(path, []byte("cred2"), 4242, 4343); err != nil {
			t.Fatal(err)
		}
		if u, g := ids(t, path); u != 4242 || g != 4343 {
			t.Errorf("owner %d:%d", u, g)
		}
	}
}
