package idtoken

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func readString(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	return string(b)
}

func TestWriteTokenFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "tok")
	must(t, WriteTokenFile(p, "AAA.BBB.CCC"))
	if got := readString(t, p); got != "AAA.BBB.CCC\n" {
		t.Errorf("content = %q", got)
	}
	assertMode(t, p, 0o600)

	// Existing file: mode kept, content replaced even when shorter (RB-4).
	must(t, os.Chmod(p, 0o644))
	long := strings.Repeat("x", 223)
	must(t, WriteTokenFile(p, long))
	must(t, WriteTokenFile(p, long[:222]))
	if got := readString(t, p); got != long[:222]+"\n" {
		t.Errorf("rewritten content has %d bytes", len(got))
	}
	assertMode(t, p, 0o644)

	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestWriteTokenFileErrors(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	writeFile(t, target, "keep\n", 0o600)
	link := filepath.Join(dir, "link")
	must(t, os.Symlink(target, link))
	cases := []struct {
		path  string
		errno syscall.Errno
		msg   string
	}{
		{link, syscall.EEXIST, "Cannot write token to " + link + ": File exists (errno=17)"},
		{dir, syscall.EISDIR, "Cannot write token to " + dir + ": Is a directory (errno=21)"},
		{dir + "/sub/", syscall.EISDIR, "Cannot write token to " + dir + "/sub/: Is a directory (errno=21)"},
		{filepath.Join(dir, "missing", "tok"), syscall.ENOENT, "Cannot write token to " + filepath.Join(dir, "missing", "tok") + ": No such file or directory (errno=2)"},
		{filepath.Join(target, "tok"), syscall.ENOTDIR, "Cannot write token to " + filepath.Join(target, "tok") + ": Not a directory (errno=20)"},
	}
	for _, tc := range cases {
		err := WriteTokenFile(tc.path, "T")
		if err == nil || err.Error() != tc.msg {
			t.Errorf("WriteTokenFile(%s) = %v\nwant %s", tc.path, err, tc.msg)
			continue
		}
		if !errors.Is(err, tc.errno) {
			t.Errorf("errors.Is(%v, %v) = false", err, tc.errno)
		}
		var we *WriteError
		if !errors.As(err, &we) || !we.Cannot {
			t.Errorf("not a Cannot WriteError: %#v", err)
		}
	}
	if got := readString(t, target); got != "keep\n" {
		t.Errorf("symlink target modified: %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Error("-file created a directory")
	}
	var we *WriteError
	errors.As(WriteTokenFile(link, "T"), &we)
	if !strings.Contains(we.Detail(), "symbolic link") {
		t.Errorf("Detail = %q", we.Detail())
	}
	if got := (&WriteError{Path: "p", Errno: syscall.ENOSPC}).Error(); got != "Failed to write token to p: No space left on device (errno=28)" {
		t.Errorf("Failed form = %q", got)
	}
}

func TestWriteTokenFileDevice(t *testing.T) {
	if _, err := os.Stat("/dev/null"); err != nil {
		t.Skip("no /dev/null")
	}
	// Non-regular files are written in place, never replaced.
	must(t, WriteTokenFile("/dev/null", "T"))
	st, err := os.Stat("/dev/null")
	must(t, err)
	if st.Mode()&os.ModeCharDevice == 0 {
		t.Fatal("/dev/null was replaced")
	}
}

func TestWriteTokenFileKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file away")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "tok")
	writeFile(t, p, "old\n", 0o640)
	must(t, os.Chown(p, 4321, 4322))
	must(t, WriteTokenFile(p, "NEW"))
	st, err := os.Stat(p)
	must(t, err)
	sys := st.Sys().(*syscall.Stat_t)
	if sys.Uid != 4321 || sys.Gid != 4322 || st.Mode().Perm() != 0o640 {
		t.Errorf("owner %d:%d mode %04o, want 4321:4322 0640", sys.Uid, sys.Gid, st.Mode().Perm())
	}
	if got := readString(t, p); got != "NEW\n" {
		t.Errorf("content = %q", got)
	}
}

func TestWriteTokenFileInPlaceFallback(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "tok")
	writeFile(t, p, "old\n", 0o600)
	must(t, os.Chmod(dir, 0o500))
	defer os.Chmod(dir, 0o700)
	must(t, WriteTokenFile(p, "NEW"))
	if got := readString(t, p); got != "NEW\n" {
		t.Errorf("content = %q", got)
	}
	err := WriteTokenFile(filepath.Join(dir, "new"), "T")
	if err == nil || err.Error() != "Cannot write token to "+filepath.Join(dir, "new")+": Permission denied (errno=13)" {
		t.Errorf("new file in read-only dir: %v", err)
	}
}

func TestWriteNamed(t *testing.T) {
	base := t.TempDir()
	d := DirConfig{SystemDir: filepath.Join(base, "etc", "condor", "tokens.d"), IsRoot: true}
	p, err := d.WriteNamed("t1", "TOKEN1")
	if err != nil {
		t.Fatal(err)
	}
	if p != d.SystemDir+"/t1" || readString(t, p) != "TOKEN1\n" {
		t.Errorf("path %s content %q", p, readString(t, p))
	}
	assertMode(t, p, 0o600)
	assertMode(t, d.SystemDir, 0o700)
	assertMode(t, filepath.Join(base, "etc", "condor"), 0o700)
	assertMode(t, filepath.Join(base, "etc"), 0o700)

	for _, name := range []string{"a/b", "../evil", "a/", "/abs"} {
		if _, err := d.WriteNamed(name, "T"); err != ErrNotPlainName || err.Error() != "Token name isn't a plain filename" {
			t.Errorf("WriteNamed(%q) = %v", name, err)
		}
	}
	for _, name := range []string{"..", "."} {
		_, err := d.WriteNamed(name, "T")
		want := "Cannot write token to " + d.SystemDir + "/" + name + ": Is a directory (errno=21)"
		if err == nil || err.Error() != want || !errors.Is(err, syscall.EISDIR) {
			t.Errorf("WriteNamed(%q) = %v\nwant %s", name, err, want)
		}
	}
	if _, err := d.WriteNamed("", "T"); err == nil {
		t.Error("empty name accepted")
	}
	if _, err := (DirConfig{IsRoot: true}).WriteNamed("t", "T"); err == nil {
		t.Error("no directory accepted")
	}
	// Non-root users write into ~/.condor/tokens.d.
	home := filepath.Join(base, "home")
	must(t, os.Mkdir(home, 0o755))
	p, err = DirConfig{Home: home, SystemDir: d.SystemDir}.WriteNamed("mytok", "U")
	if err != nil || p != home+"/.condor/tokens.d/mytok" {
		t.Fatalf("user WriteNamed = %s, %v", p, err)
	}
	assertMode(t, home+"/.condor/tokens.d", 0o700)
}
