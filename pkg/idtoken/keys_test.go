package idtoken

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/google/go-cmp/cmp"
)

func TestScramble(t *testing.T) {
	in := []byte{0, 0, 0, 0, 0, 1}
	want := []byte{0xde, 0xad, 0xbe, 0xef, 0xde, 0xac}
	if got := Scramble(in); !bytes.Equal(got, want) {
		t.Fatalf("Scramble = %x, want %x", got, want)
	}
	if in[0] != 0 {
		t.Fatal("Scramble modified its input")
	}
	if got := Scramble(Scramble([]byte("foobar2"))); string(got) != "foobar2" {
		t.Fatalf("round trip = %q", got)
	}
	// The legacy fixture x_auth_poolpasswd starts with scrambled "foobar2"
	// (tokens.md §5.2).
	if got := hex.EncodeToString(Scramble([]byte("foobar2"))); got != "b8c2d18dbfdf8c" {
		t.Fatalf("Scramble(foobar2) = %s", got)
	}
}

func TestKeyPath(t *testing.T) {
	kc := KeyConfig{PoolKeyFile: "/etc/condor/passwords.d/POOL", PasswordDir: "/etc/condor/passwords.d/"}
	for _, tc := range []struct{ kid, want, err string }{
		{"", "/etc/condor/passwords.d/POOL", ""},
		{"POOL", "/etc/condor/passwords.d/POOL", ""},
		{"AP", "/etc/condor/passwords.d/AP", ""},
		{"a..b", "", `TOKEN:1:Invalid signing key name "a..b": key name contains "..".`},
		{"..", "", `TOKEN:1:Invalid signing key name "..": key name contains "..".`},
		{".", "", `TOKEN:1:Invalid signing key name ".": key name is ".".`},
		{"a/b", "", `TOKEN:1:Invalid signing key name "a/b": key name contains '/'.`},
		{"a\x00b", "", `TOKEN:1:Invalid signing key name "a\x00b": key name contains a NUL byte.`},
		{"  ", "", `TOKEN:1:Invalid signing key name "  ": key name is blank.`},
	} {
		got, err := kc.Path(tc.kid)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Path(%q) error = %v, want %s", tc.kid, err, tc.err)
			}
			var kfe *KeyFileError
			if !errors.As(err, &kfe) || !strings.HasPrefix(kfe.Reason, "invalid key name") {
				t.Errorf("Path(%q): no KeyFileError cause: %v", tc.kid, kfe)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Path(%q) = %q, %v; want %q", tc.kid, got, err, tc.want)
		}
	}
	if _, err := (KeyConfig{PasswordDir: "/x"}).Path("POOL"); err == nil ||
		err.Error() != "TOKEN:1:No master pool token key setup in SEC_TOKEN_POOL_SIGNING_KEY_FILE" {
		t.Errorf("missing pool knob: %v", err)
	}
	if _, err := (KeyConfig{PoolKeyFile: "/x"}).Path("AP"); err == nil || err.Error() != "TOKEN:1:SEC_PASSWORD_DIRECTORY is undefined" {
		t.Errorf("missing dir knob: %v", err)
	}
}

func TestSigningKeyRefusals(t *testing.T) {
	good := readVector(t, "pool_password_testpassword")
	cases := []struct {
		name     string
		setup    func(t *testing.T, path string)
		uid      func() int
		reason   string
		notExist bool
	}{
		{name: "missing", setup: func(t *testing.T, p string) {}, reason: "no such file", notExist: true},
		{name: "group bits", setup: writeMode(good, 0o640), reason: "mode 0640 allows group/other access (must be 0600 or stricter)"},
		{name: "other bits", setup: writeMode(good, 0o604), reason: "mode 0604 allows group/other access (must be 0600 or stricter)"},
		{name: "wrong owner", setup: writeMode(good, 0o600), uid: func() int { return os.Getuid() + 1000 },
			reason: "owned by uid " + strconv.Itoa(os.Getuid()) + ", not " + strconv.Itoa(os.Getuid()+1000)},
		{name: "directory", setup: func(t *testing.T, p string) {
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
		}, reason: "is a directory"},
		{name: "fifo", setup: func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Skip("mkfifo:", err)
			}
		}, reason: "is not a regular file (p---------)"},
		{name: "empty", setup: writeMode(nil, 0o600), reason: "holds no key material (an empty key would let anyone forge tokens)"},
		{name: "too big", setup: writeMode(make([]byte, MaxSecureFileSize+1), 0o600),
			reason: "is 1048577 bytes, more than the 1048576 allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "named")
			tc.setup(t, path)
			kc := KeyConfig{PoolKeyFile: filepath.Join(dir, "POOL"), PasswordDir: dir, Uid: os.Getuid()}
			if tc.uid != nil {
				kc.Uid = tc.uid()
			}
			_, err := kc.SigningKey("named")
			want := "TOKEN:1:Failed to read file " + path + " securely."
			if err == nil || err.Error() != want {
				t.Fatalf("err = %v, want %s", err, want)
			}
			var kfe *KeyFileError
			if !errors.As(err, &kfe) {
				t.Fatalf("no KeyFileError in %v", err)
			}
			if kfe.Reason != tc.reason || kfe.Path != path {
				t.Errorf("reason = %q (%s), want %q", kfe.Reason, kfe.Path, tc.reason)
			}
			ce, _ := condorerr.As(err)
			if ce.Detail() != path+": "+tc.reason {
				t.Errorf("Detail = %q", ce.Detail())
			}
			if errors.Is(err, fs.ErrNotExist) != tc.notExist {
				t.Errorf("errors.Is(ErrNotExist) = %v", !tc.notExist)
			}
		})
	}
}

func writeMode(data []byte, mode os.FileMode) func(t *testing.T, p string) {
	return func(t *testing.T, p string) {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSigningKeyOwnerCheckSkipped(t *testing.T) {
	kc := keyDir(t)
	kc.Uid = -1
	if _, err := kc.SigningKey("POOL"); err != nil {
		t.Fatal(err)
	}
	kc.Uid = os.Getuid() + 1
	if _, err := kc.SigningKey("POOL"); err == nil {
		t.Fatal("owner check not applied")
	}
}

func TestSigningKeyInvalidNameLegacyText(t *testing.T) {
	kc := keyDir(t)
	_, err := kc.SigningKey("../POOL")
	want := "TOKEN:1:Failed to read file " + kc.PasswordDir + "/../POOL securely."
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	var kfe *KeyFileError
	if !errors.As(err, &kfe) || kfe.Reason != "invalid key name: key name contains '/'" {
		t.Fatalf("cause = %+v", kfe)
	}
}

// TestPoolKeyIsPassword: the pre-8.5.4 256-byte layout (tokens.md §5.2):
// scrambled "foobar2" followed by raw NUL bytes.
func TestPoolKeyIsPassword(t *testing.T) {
	dir := t.TempDir()
	file := append(Scramble([]byte("foobar2")), make([]byte, 249)...)
	p := filepath.Join(dir, "POOL")
	if err := os.WriteFile(p, file, 0o600); err != nil {
		t.Fatal(err)
	}
	kc := KeyConfig{PoolKeyFile: p, Uid: -1, PoolKeyIsPassword: true}
	got, err := kc.SigningKey("POOL")
	if err != nil {
		t.Fatal(err)
	}
	if want := DeriveSigningKey([]byte("foobar2"), true); !bytes.Equal(got, want) {
		t.Errorf("truncated key = %x, want %x", got, want)
	}
	kc.PoolKeyIsPassword = false
	got, err = kc.SigningKey("POOL")
	if err != nil {
		t.Fatal(err)
	}
	if want := DeriveSigningKey(Scramble(file), true); !bytes.Equal(got, want) {
		t.Errorf("untruncated key = %x, want %x", got, want)
	}
	// A scrambled byte that unscrambles to NUL is cut too.
	if err := os.WriteFile(p, append(Scramble([]byte("ab")), 0xbe^0, 'x'), 0o600); err != nil {
		t.Fatal(err)
	}
	kc.PoolKeyIsPassword = true
	got, _ = kc.SigningKey("POOL")
	if want := DeriveSigningKey([]byte("ab"), true); !bytes.Equal(got, want) {
		t.Errorf("key cut after unscramble = %x, want %x", got, want)
	}
}

func TestIssuerKeys(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwords.d")
	must(t, os.Mkdir(pw, 0o700))
	for _, n := range []string{"POOL", "AP", "zeta", "old.rpmsave", ".hidden", "b~"} {
		must(t, os.WriteFile(filepath.Join(pw, n), []byte("k"), 0o600))
	}
	must(t, os.Mkdir(filepath.Join(pw, "subdir"), 0o700))
	ex := regexp.MustCompile(`^((\..*)|(.*\.pl)|(.*\.py)|(.*\.sh)|(.*~)|(#.*)|(.*\.rpmsave)|(.*\.rpmnew)|(.*\.dpkg-old)|(.*\.dpkg-dist)|(.*\.cfsaved))$`)
	kc := KeyConfig{PoolKeyFile: filepath.Join(pw, "POOL"), PasswordDir: pw, Exclude: ex}
	if diff := cmp.Diff([]string{"AP", "POOL", "zeta"}, kc.IssuerKeys()); diff != "" {
		t.Errorf("IssuerKeys (-want +got):\n%s", diff)
	}
	if got := kc.IssuerKeysString(); got != "AP, POOL, zeta" {
		t.Errorf("IssuerKeysString = %q", got)
	}
	kc.Exclude = nil
	if diff := cmp.Diff([]string{".hidden", "AP", "POOL", "b~", "old.rpmsave", "zeta"}, kc.IssuerKeys()); diff != "" {
		t.Errorf("IssuerKeys without exclude (-want +got):\n%s", diff)
	}
	// Pool key outside the directory, directory missing.
	kc = KeyConfig{PoolKeyFile: filepath.Join(pw, "POOL"), PasswordDir: filepath.Join(dir, "none")}
	if diff := cmp.Diff([]string{"POOL"}, kc.IssuerKeys()); diff != "" {
		t.Errorf("IssuerKeys (-want +got):\n%s", diff)
	}
	if got := (KeyConfig{PoolKeyFile: filepath.Join(dir, "missing")}).IssuerKeys(); len(got) != 0 {
		t.Errorf("IssuerKeys with no keys = %v", got)
	}
	if diff := cmp.Diff([]string{"AP", "POOL"}, ParseIssuerKeys(" AP,  POOL ,,")); diff != "" {
		t.Errorf("ParseIssuerKeys: %s", diff)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type fixedReader byte

func (f fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(f) + byte(i)
	}
	return len(p), nil
}

func TestCreatePoolKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "etc", "passwords.d", "POOL")
	created, err := CreatePoolKey(path, fixedReader(7))
	if err != nil || !created {
		t.Fatalf("CreatePoolKey = %v, %v", created, err)
	}
	data, err := os.ReadFile(path)
	must(t, err)
	want := make([]byte, PoolKeySize)
	fixedReader(7).Read(want)
	if !bytes.Equal(data, Scramble(want)) {
		t.Errorf("file = %x, want scrambled %x", data, want)
	}
	assertMode(t, path, 0o600)
	assertMode(t, filepath.Dir(path), 0o700)
	assertMode(t, filepath.Join(dir, "etc"), 0o700)
	kc := KeyConfig{PoolKeyFile: path, Uid: os.Getuid()}
	key, err := kc.SigningKey("POOL")
	must(t, err)
	if !bytes.Equal(key, DeriveSigningKey(want, true)) {
		t.Error("signing key of the created file differs")
	}
	// Never overwritten.
	created, err = CreatePoolKey(path, fixedReader(9))
	if err != nil || created {
		t.Fatalf("second CreatePoolKey = %v, %v", created, err)
	}
	again, _ := os.ReadFile(path)
	if !bytes.Equal(again, data) {
		t.Error("existing POOL key was overwritten")
	}
	// A failing random source leaves no file behind.
	p2 := filepath.Join(dir, "POOL2")
	if _, err := CreatePoolKey(p2, bytes.NewReader([]byte{1, 2})); err == nil {
		t.Error("short random source accepted")
	}
	if _, err := os.Lstat(p2); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("partial key file left: %v", err)
	}
}

func TestWriteKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "named")
	must(t, os.WriteFile(path, []byte("old"), 0o644))
	must(t, WriteKeyFile(path, []byte(vecPassword)))
	data, _ := os.ReadFile(path)
	if hex.EncodeToString(data) != vecPoolFile {
		t.Errorf("file = %x, want %s", data, vecPoolFile)
	}
	assertMode(t, path, 0o600)
	kc := KeyConfig{PasswordDir: dir, Uid: os.Getuid()}
	key, err := kc.SigningKey("named")
	must(t, err)
	if hex.EncodeToString(key) != vecNamedKey {
		t.Errorf("named key = %x", key)
	}
	if err := WriteKeyFile(path, nil); err == nil {
		t.Error("empty key accepted")
	}
	if err := WriteKeyFile(dir, []byte("k")); !errors.Is(err, syscall.EISDIR) {
		t.Errorf("directory target: %v", err)
	}
	if err := WriteKeyFile(filepath.Join(dir, "missing", "k"), []byte("k")); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("missing directory: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func assertMode(t testing.TB, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s mode = %04o, want %04o", path, got, want)
	}
}

func TestCheckSecureFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "tok")
	writeFile(t, p, "x\n", 0o600)
	if err := CheckSecureFile(p, os.Getuid()); err != nil {
		t.Errorf("0600 file refused: %v", err)
	}
	must(t, os.Chmod(p, 0o604))
	err := CheckSecureFile(p, -1)
	var kfe *KeyFileError
	if !errors.As(err, &kfe) || err.Error() != p+": mode 0604 allows group/other access (must be 0600 or stricter)" {
		t.Errorf("0604 file: %v", err)
	}
	if err := CheckSecureFile(filepath.Join(dir, "none"), -1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
