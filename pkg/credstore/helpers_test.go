package credstore

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// env is a test store with its directories.
type env struct {
	t     *testing.T
	root  string // holds everything the store may touch
	oauth string
	krb   string
	pool  string
	s     *Store
	logs  *logSink
}

type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, format)
	_ = args
}

// newEnv creates <root>/oauth (mode 2770 when possible, 0700 else),
// <root>/krb (0755) and a store on them. mod adjusts the options.
func newEnv(t *testing.T, mod func(*Options)) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{t: t, root: root, oauth: filepath.Join(root, "oauth"), krb: filepath.Join(root, "krb"),
		pool: filepath.Join(root, "passwords.d", "POOL"), logs: &logSink{}}
	for _, d := range []string{e.oauth, e.krb, filepath.Dir(e.pool)} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(e.oauth, 0o770|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(e.krb, 0o755); err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.OAuthDir, o.KrbDir, o.PoolPasswordFile = e.oauth, e.krb, e.pool
	o.Signal = func(int) error { return nil }
	o.Logf = e.logs.logf
	if mod != nil {
		mod(&o)
	}
	e.s = New(o)
	return e
}

// req builds an authenticated, encrypted request from caller.
func req(caller, user string, mode int, cred []byte, ad map[string]any) Request {
	return Request{Caller: caller, Authenticated: true, Encrypted: true, User: user, Mode: mode, Cred: cred, Ad: ad}
}

// do handles r and returns the reply.
func (e *env) do(r Request) Reply {
	e.t.Helper()
	return e.s.Handle(r)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustNotExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); err == nil {
		t.Errorf("%s exists, want it absent", path)
	}
}

func fileMtime(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.ModTime().Unix()
}

// setMtime sets path's mtime to the Unix time sec.
func setMtime(t *testing.T, path string, sec int64) {
	t.Helper()
	tm := time.Unix(sec, 0)
	if err := os.Chtimes(path, tm, tm); err != nil {
		t.Fatal(err)
	}
}

// perm returns the permission and set-id bits of path as a Unix mode.
func perm(t *testing.T, path string) uint32 {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Mode & 0o7777
}

func ids(t *testing.T, path string) (int, int) {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	return int(sys.Uid), int(sys.Gid)
}

// tree lists every path under root (relative, sorted), directories with a
// trailing '/'.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func isRoot() bool { return os.Geteuid() == 0 }

func hasPrefixBytes(b []byte, p string) bool { return bytes.HasPrefix(b, []byte(p)) }

func containsAny(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}
