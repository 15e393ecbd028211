package credstore

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWritePoolPasswordFile checks the bytes of every password file in
// real-tools.md §9.3 and credentials.md §6.1/§8 (XOR DE AD BE EF, no
// terminator, mode 0600).
func TestWritePoolPasswordFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, pw, hex string
	}{
		{"RB-13 / P10 -p secret", "secret", "adc8dd9dbbd9"},
		{"RB-14 -p - keeps the newline", "abc\n", "bfcfdde5"},
		{"P11 prompt", "abc", "bfcfdd"},
		{"P1", "secret123", "adc8dd9dbbd98fdded"},
		{"P2 stdin", "pw-from-stdin\n", "aeda9389acc2d3c2add9da86b0a7"},
		{"P3 prompt", "typed-pw", "aad4ce8aba80ce98"},
		{"P8 master", "viaMaster", "a8c4dfa2bfdeca8aac"},
		{"P12", "userpw", "abdedb9daeda"},
		{"vector", "testpassword", "aac8cd9baecccd9ca9c2cc8b"},
		{"cut at NUL", "secret\x00ignored", "adc8dd9dbbd9"},
	}
	for i, tt := range tests {
		path := filepath.Join(dir, "pw"+string(rune('a'+i)))
		if err := WritePoolPasswordFile(path, []byte(tt.pw)); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := hex.EncodeToString(readFile(t, path)); got != tt.hex {
			t.Errorf("%s: file %s, want %s", tt.name, got, tt.hex)
		}
		if p := perm(t, path); p != 0o600 {
			t.Errorf("%s: mode %04o", tt.name, p)
		}
	}
	// P13: an existing file is rewritten; a lax mode becomes 0600.
	path := filepath.Join(dir, "existing")
	if err := os.WriteFile(path, []byte("old-6b"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WritePoolPasswordFile(path, []byte("other")); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(readFile(t, path)); got != "b1d9d68aac" {
		t.Errorf("P13: %s", got)
	}
	if p := perm(t, path); p != 0o600 {
		t.Errorf("P13 mode %04o", p)
	}
	if got := tree(t, dir); len(got) != len(tests)+1 {
		t.Errorf("temporary files left: %q", got)
	}
}

func TestWritePoolPasswordFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "no", "such", "dir", "POOL")
	err := WritePoolPasswordFile(bad, []byte("secret"))
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("unwritable path: %v, want an error naming %s", err, bad)
	}
	if err != nil && strings.Contains(err.Error(), "secret") {
		t.Error("error message contains the password")
	}
	for _, pw := range []string{"", "\x00abc"} {
		if err := WritePoolPasswordFile(filepath.Join(dir, "empty"), []byte(pw)); err == nil {
			t.Errorf("empty password %q accepted", pw)
		}
	}
	mustNotExist(t, filepath.Join(dir, "empty"))
	if err := WritePoolPasswordFile(dir, []byte("x")); err == nil {
		t.Error("writing over a directory succeeded")
	}
}

// TestWritePoolPasswordFileKeepsOwnerAndFollowsLink (root only for chown).
func TestWritePoolPasswordFileKeepsOwnerAndFollowsLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real")
	if err := os.WriteFile(target, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "POOL")
	if err := os.Symlink("real", link); err != nil {
		t.Fatal(err)
	}
	if isRoot() {
		if err := os.Chown(target, 4242, 4343); err != nil {
			t.Fatal(err)
		}
	}
	if err := WritePoolPasswordFile(link, []byte("secret")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
	if got := hex.EncodeToString(readFile(t, target)); got != "adc8dd9dbbd9" {
		t.Errorf("target holds %s", got)
	}
	if isRoot() {
		if u, g := ids(t, target); u != 4242 || g != 4343 {
			t.Errorf("owner %d:%d not kept", u, g)
		}
	}
}

// TestReadPoolPassword: the known-answer vector, the pre-8.5.4 NUL-padded
// format and the secure-file refusals (tokens.md §5.2, pitfall 18).
func TestReadPoolPassword(t *testing.T) {
	dir := t.TempDir()
	vec, err := os.ReadFile("../../testdata/vectors/pool_password_testpassword")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "POOL")
	if err := os.WriteFile(path, vec, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadPoolPassword(path); err != nil || string(got) != "testpassword" {
		t.Errorf("vector: %q, %v", got, err)
	}
	// x_auth_poolpasswd: scrambled "foobar2" followed by 249 raw NULs.
	old := append([]byte{0xb8, 0xc2, 0xd1, 0x8d, 0xbf, 0xdf, 0x8c}, make([]byte, 249)...)
	oldPath := filepath.Join(dir, "old")
	if err := os.WriteFile(oldPath, old, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadPoolPassword(oldPath); err != nil || string(got) != "foobar2" {
		t.Errorf("old format: %q, %v", got, err)
	}
	// Round trip through the writer.
	rt := filepath.Join(dir, "rt")
	if err := WritePoolPasswordFile(rt, []byte("pw-from-stdin\n")); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadPoolPassword(rt); err != nil || string(got) != "pw-from-stdin\n" {
		t.Errorf("round trip: %q, %v", got, err)
	}

	lax := filepath.Join(dir, "lax")
	os.WriteFile(lax, vec, 0o644)
	os.Chmod(lax, 0o644)
	if _, err := ReadPoolPassword(lax); err == nil || !strings.Contains(err.Error(), "0644") {
		t.Errorf("mode 0644: %v", err)
	}
	if _, err := ReadPoolPassword(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing: %v", err)
	}
	if _, err := ReadPoolPassword(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	if isRoot() {
		other := filepath.Join(dir, "other")
		os.WriteFile(other, vec, 0o600)
		os.Chown(other, 4242, 0)
		if _, err := ReadPoolPassword(other); err == nil || !strings.Contains(err.Error(), "owned by uid 4242") {
			t.Errorf("foreign owner: %v", err)
		}
	}
	if _, err := ReadPoolPassword(lax); err != nil && strings.Contains(err.Error(), "testpassword") {
		t.Error("error message contains the password")
	}
}

// TestPoolPassword: store_cred_password on Unix (credentials.md §6.1) and
// the P1/P4/P5 sequence of real-tools.md.
func TestPoolPassword(t *testing.T) {
	e := newEnv(t, nil)
	pool := "condor_pool@htc.local"
	if c := e.s.PoolPassword(pool, OpAdd, []byte("secret123")); c != Success {
		t.Fatalf("P1 add: %d", c)
	}
	if got := hex.EncodeToString(readFile(t, e.pool)); got != "adc8dd9dbbd98fdded" {
		t.Errorf("P1 file %s", got)
	}
	if p := perm(t, e.pool); p != 0o600 {
		t.Errorf("P1 mode %04o", p)
	}
	if c := e.s.PoolPassword(pool, OpQuery, nil); c != Success {
		t.Errorf("query: %d", c)
	}
	if c := e.s.PoolPassword(pool, OpDelete, nil); c != Success {
		t.Errorf("P4 delete: %d", c)
	}
	mustNotExist(t, e.pool)
	if c := e.s.PoolPassword(pool, OpDelete, nil); c != FailureNotFound {
		t.Errorf("P5 delete again: %d", c)
	}
	if c := e.s.PoolPassword(pool, OpQuery, nil); c != FailureNotFound {
		t.Errorf("query after delete: %d", c)
	}
	tests := []struct {
		name string
		user string
		mode int
		pw   string
		want int64
	}{
		{"empty", pool, OpAdd, "", Failure},
		{"NUL first", pool, OpAdd, "\x00x", Failure},
		{"too long", pool, OpAdd, strings.Repeat("x", 256), Failure},
		{"longest", pool, OpAdd, strings.Repeat("x", 255), Success},
		{"legacy mode bits", pool, ModeLegacyPwd | OpAdd, "pw", Success},
		{"user password", "alice@htc.local", OpAdd, "pw", Failure},
		{"no domain", "condor_pool", OpAdd, "pw", Failure},
		{"config op", pool, OpConfig, "pw", Failure},
	}
	for _, tt := range tests {
		if c := e.s.PoolPassword(tt.user, tt.mode, []byte(tt.pw)); c != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, c, tt.want)
		}
	}
	noFile := newEnv(t, func(o *Options) { o.PoolPasswordFile = "" })
	for op, want := range map[int]int64{OpAdd: Failure, OpDelete: Failure, OpQuery: FailureNotFound} {
		if c := noFile.s.PoolPassword(pool, op, []byte("pw")); c != want {
			t.Errorf("SEC_PASSWORD_FILE unset, op %d: %d, want %d", op, c, want)
		}
	}
}

// TestHandlePool: STORE_POOL_CRED (credentials.md §5.3).
func TestHandlePool(t *testing.T) {
	e := newEnv(t, nil)
	if r := e.s.HandlePool("htc.local", "viaMaster"); !cmp.Equal(r, Reply{Code: Success, Legacy: true}) {
		t.Errorf("P8 add: %+v", r)
	}
	if got := hex.EncodeToString(readFile(t, e.pool)); got != "a8c4dfa2bfdeca8aac" {
		t.Errorf("P8 file %s", got)
	}
	if r := e.s.HandlePool("htc.local", ""); !cmp.Equal(r, Reply{Code: Success, Legacy: true}) {
		t.Errorf("P9 delete: %+v", r)
	}
	if r := e.s.HandlePool("htc.local", ""); r.Code != FailureNotFound {
		t.Errorf("delete again: %+v", r)
	}
	if r := e.s.HandlePool("", strings.Repeat("p", 256)); r.Code != Failure {
		t.Errorf("too long: %+v", r)
	}
}
