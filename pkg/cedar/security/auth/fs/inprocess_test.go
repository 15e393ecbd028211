package fs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// sameAccount makes a root client keep its own uid (no chown), so the
// identity is the current user.
func sameAccount() (Account, error) { return Account{Uid: os.Geteuid(), Gid: os.Getegid()}, nil }

func currentUser(t *testing.T) string {
	t.Helper()
	u, err := osuser.LookupUid(os.Geteuid())
	if err != nil || u.Name == "" {
		t.Skipf("uid %d is not in the password file: %v", os.Geteuid(), err)
	}
	return u.Name
}

func emptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind: %s", filepath.Join(dir, e.Name()))
	}
}

// wantFailure checks a clean failure and its HTCondor entry.
func wantFailure(t *testing.T, who string, err error, code int, text string) {
	t.Helper()
	ce, ok := condorerr.As(err)
	if !errors.Is(err, auth.ErrFailed) || !ok || ce.Subsys != "FS" || ce.Code != code || !strings.Contains(err.Error(), text) {
		t.Errorf("%s error %v, want ErrFailed with FS:%d and %q", who, err, code, text)
	}
}

func TestLoopbackCurrentUser(t *testing.T) {
	user := currentUser(t)
	dir := t.TempDir()
	var notes []string
	cpeer := &auth.Peer{Explain: func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }}
	cerr, s := run(t, NewClient(ClientConfig{ServiceAccount: sameAccount}),
		NewServer(ServerConfig{Dir: dir, UIDDomain: "Example.ORG"}), cpeer, nil)
	if cerr != nil || s.err != nil {
		t.Fatalf("client %v, server %v", cerr, s.err)
	}
	want := auth.Identity{User: user, Domain: "example.org", Method: "FS", AuthenticatedName: user}
	if s.id.User != want.User || s.id.Domain != want.Domain || s.id.Method != "FS" || s.id.AuthenticatedName != user {
		t.Errorf("identity %+v, want %+v", s.id, want)
	}
	emptyDir(t, dir)
	re := regexp.MustCompile(`^FS: creating ` + regexp.QuoteMeta(dir) + `/FS_127\.0\.0\.1_\d+_XXX[A-Za-z0-9]{6}_127\.0\.0\.1:\d+ \(channel binding`)
	found := false
	for _, n := range notes {
		found = found || re.MatchString(n)
	}
	if !found {
		t.Errorf("no note matches %s: %q", re, notes)
	}
}

// A root client creates the directory as the service account and so
// authenticates as it (cedar.md §5.6, token_fetch_fs.json).
func TestRootClientAsServiceAccount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir := t.TempDir()
	names := func(uid int) (string, error) {
		return map[int]string{0: "root", 4321: "condor"}[uid], nil
	}
	for _, c := range []struct {
		name     string
		account  func() (Account, error)
		rootUser string
		want     string
	}{
		{"service account", func() (Account, error) { return Account{Uid: 4321, Gid: 4322, Name: "condor"}, nil }, "", "condor"},
		{"no service account, FS_ROOT_TO_CONDOR", func() (Account, error) { return Account{}, errors.New("none") }, "condor", "condor"},
		{"no service account, no mapping", func() (Account, error) { return Account{}, errors.New("none") }, "", "root"},
		{"CONDOR_IDS naming root", func() (Account, error) { return Account{}, nil }, "", "root"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cerr, s := run(t, NewClient(ClientConfig{ServiceAccount: c.account}),
				NewServer(ServerConfig{Dir: dir, UIDDomain: "example.net", RootUser: c.rootUser, LookupUser: names}), nil, nil)
			if cerr != nil || s.err != nil {
				t.Fatalf("client %v, server %v", cerr, s.err)
			}
			if s.id.FQU() != c.want+"@example.net" {
				t.Errorf("identity %q, want %s@example.net", s.id.FQU(), c.want)
			}
			emptyDir(t, dir)
		})
	}
}

// handClient plays the client by hand: it reads the name, lets act create
// something at the bound path, sends result and ext, and returns the
// server's verdict.
func handClient(t *testing.T, s *cedar.Stream, act func(name, ext string) (result int64, sendExt string)) int64 {
	t.Helper()
	name, _, err := s.GetString()
	if err != nil || s.EndOfMessage() != nil {
		t.Fatalf("reading the name: %v", err)
	}
	srv, _ := addrPort(s.RemoteAddr())
	result, ext := act(name, bindingExt(srv, ""))
	if err := s.PutInt(result); err != nil {
		t.Fatal(err)
	}
	if ext != "" {
		if err := s.PutString(ext); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EndOfMessage(); err != nil {
		t.Fatal(err)
	}
	v, err := s.GetInt()
	if err != nil || s.EndOfMessage() != nil {
		t.Fatalf("reading the verdict: %v", err)
	}
	return v
}

func TestServerRefusals(t *testing.T) {
	other := t.TempDir()
	if err := os.Chmod(other, 0o700); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		act  func(t *testing.T, name, ext string) (int64, string)
		srv  ServerConfig
		peer auth.Peer
		code int
		text string
	}{
		{"wrong address in the extension", func(t *testing.T, name, ext string) (int64, string) {
			mkdir(t, name+"127.0.0.1:1")
			return 0, "127.0.0.1:1"
		}, ServerConfig{}, auth.Peer{}, codeBinding, "the client bound the directory to 127.0.0.1:1, but this connection's server address is 127.0.0.1:"},
		{"wrong shared-port id", func(t *testing.T, name, ext string) (int64, string) {
			mkdir(t, name+ext+"?sock=other")
			return 0, ext + "?sock=other"
		}, ServerConfig{}, auth.Peer{SharedPortID: "mine"}, codeBinding, `shared-port id "other", this server's is "mine"`},
		{"extension with a slash", func(t *testing.T, name, ext string) (int64, string) {
			return 0, ext + "/x"
		}, ServerConfig{}, auth.Peer{}, codeBinding, "contains a '/'"},
		{"symlink", func(t *testing.T, name, ext string) (int64, string) {
			if err := os.Symlink(other, name+ext); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Remove(name + ext) })
			return 0, ext
		}, ServerConfig{}, auth.Peer{}, codeBadAttrs, "it is a symbolic link"},
		{"mode 0755", func(t *testing.T, name, ext string) (int64, string) {
			mkdir(t, name+ext)
			if err := os.Chmod(name+ext, 0o755); err != nil {
				t.Fatal(err)
			}
			return 0, ext
		}, ServerConfig{}, auth.Peer{}, codeBadAttrs, "its mode is drwxr-xr-x, want drwx------"},
		{"regular file", func(t *testing.T, name, ext string) (int64, string) {
			if err := os.WriteFile(name+ext, nil, 0o700); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Remove(name + ext) })
			return 0, ext
		}, ServerConfig{}, auth.Peer{}, codeBadAttrs, "it is not a directory"},
		{"nothing created", func(t *testing.T, name, ext string) (int64, string) {
			return 0, ext
		}, ServerConfig{}, auth.Peer{}, codeLstat, "Unable to lstat("},
		{"owner not in the password file", func(t *testing.T, name, ext string) (int64, string) {
			mkdir(t, name+ext)
			return 0, ext
		}, ServerConfig{LookupUser: func(uid int) (string, error) { return "", fmt.Errorf("uid %d: unknown user", uid) }},
			auth.Peer{}, codeLookupUID, "Unable to lookup uid"},
		{"client failed", func(t *testing.T, name, ext string) (int64, string) {
			return -1, ""
		}, ServerConfig{}, auth.Peer{}, codeClientFail, "Client unable to create dir ("},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.srv.Dir = t.TempDir()
			if c.srv.LookupUser == nil {
				c.srv.LookupUser = func(int) (string, error) { return "someone", nil }
			}
			cs, ss, _, _ := tcpPair(t)
			done := make(chan serverResult, 1)
			go func() {
				id, err := NewServer(c.srv).Authenticate(context.Background(), ss, &c.peer)
				done <- serverResult{id, err}
			}()
			if v := handClient(t, cs, func(name, ext string) (int64, string) { return c.act(t, name, ext) }); v != -1 {
				t.Errorf("verdict %d, want -1", v)
			}
			r := <-done
			wantFailure(t, "server", r.err, c.code, c.text)
		})
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(p) })
}

// A matching shared-port id is accepted (the ?sock= form of HTCondor's
// master branch).
func TestSharedPortBinding(t *testing.T) {
	dir := t.TempDir()
	cerr, s := run(t, NewClient(ClientConfig{ServiceAccount: sameAccount}),
		NewServer(ServerConfig{Dir: dir, LookupUser: func(int) (string, error) { return "u", nil }}),
		&auth.Peer{SharedPortID: "schedd_123_abcd"}, &auth.Peer{SharedPortID: "schedd_123_abcd"})
	if cerr != nil || s.err != nil || s.id.User != "u" {
		t.Fatalf("client %v, server %v, identity %+v", cerr, s.err, s.id)
	}
	emptyDir(t, dir)
}

func TestOldForms(t *testing.T) {
	lookup := func(int) (string, error) { return "u", nil }

	t.Run("no channel binding on both sides", func(t *testing.T) {
		dir := t.TempDir()
		var notes []string
		speer := &auth.Peer{Explain: func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }}
		sys := realOps
		probes := 0
		ops := *sys
		ops.probe = func(p string) error {
			probes++
			if !regexp.MustCompile(`/FS_XXX[A-Za-z0-9]{6}$`).MatchString(p) {
				t.Errorf("legacy name %q", p)
			}
			return sys.probe(p)
		}
		cerr, s := run(t, NewClient(ClientConfig{NoChannelBinding: true, ServiceAccount: sameAccount}),
			NewServer(ServerConfig{Dir: dir, NoChannelBinding: true, LookupUser: lookup, sys: &ops}), nil, speer)
		if cerr != nil || s.err != nil || probes != 1 {
			t.Fatalf("client %v, server %v, %d probes", cerr, s.err, probes)
		}
		emptyDir(t, dir)
	})

	t.Run("enforcing client refuses an unbound name", func(t *testing.T) {
		dir := t.TempDir()
		cerr, s := run(t, NewClient(ClientConfig{ServiceAccount: sameAccount}),
			NewServer(ServerConfig{Dir: dir, NoChannelBinding: true, LookupUser: lookup}), nil, nil)
		wantFailure(t, "client", cerr, codeBinding, "the name does not start with FS_127.0.0.1_")
		wantFailure(t, "server", s.err, codeClientFail, "Client unable to create dir")
		emptyDir(t, dir)
	})

	t.Run("old client without extension", func(t *testing.T) {
		dir := t.TempDir()
		cerr, s := run(t, NewClient(ClientConfig{NoChannelBinding: true, ServiceAccount: sameAccount}),
			NewServer(ServerConfig{Dir: dir, LookupUser: lookup}), nil, nil)
		if cerr != nil || s.err != nil {
			t.Fatalf("client %v, server %v", cerr, s.err)
		}
		emptyDir(t, dir)
	})

	t.Run("25.12.2 server: address in the name, no trailing _", func(t *testing.T) {
		dir := t.TempDir()
		cs, ss, _, sconn := tcpPair(t)
		done := make(chan error, 1)
		go func() {
			done <- NewClient(ClientConfig{ServiceAccount: sameAccount}).Authenticate(context.Background(), cs, nil)
		}()
		local, _ := addrPort(sconn.LocalAddr())
		name := dir + "/" + namePrefix(local) + "XXXabcdef"
		if err := ss.PutString(name); err != nil || ss.EndOfMessage() != nil {
			t.Fatal(err)
		}
		result, err := ss.GetInt()
		if err != nil || result != 0 || !ss.MessageConsumed() {
			t.Fatalf("client reply %d, %v, extension sent: %v", result, err, !ss.MessageConsumed())
		}
		_ = ss.EndOfMessage()
		if fi, err := os.Lstat(name); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Errorf("directory %s: %v %v", name, fi, err)
		}
		if err := ss.PutInt(0); err != nil || ss.EndOfMessage() != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		emptyDir(t, dir)
	})
}

// handServer plays a server that sends name, reads the reply and sends
// verdict; it returns the reply.
func handServer(t *testing.T, ss *cedar.Stream, name string, verdict int64) (int64, string) {
	t.Helper()
	if err := ss.PutString(name); err != nil || ss.EndOfMessage() != nil {
		t.Fatal(err)
	}
	result, err := ss.GetInt()
	if err != nil {
		t.Fatal(err)
	}
	ext := ""
	if !ss.MessageConsumed() {
		ext, _, _ = ss.GetString()
	}
	if err := ss.EndOfMessage(); err != nil {
		t.Fatal(err)
	}
	if err := ss.PutInt(verdict); err != nil || ss.EndOfMessage() != nil {
		t.Fatal(err)
	}
	return result, ext
}

func TestClientFailures(t *testing.T) {
	cases := []struct {
		name    string
		dirName func(port int) string
		code    int
		text    string
	}{
		{"server error", func(int) string { return "" }, codeServerError, "Server Error, check server log."},
		{"missing parent", func(p int) string { return fmt.Sprintf("/nonexistent/FS_127.0.0.1_%d_XXXabcdef_", p) },
			codeMkdir, "mkdir(/nonexistent/FS_127.0.0.1_"},
		{"not a rendezvous name", func(int) string { return "/etc/passwd" }, codeBinding, `"/etc/passwd" is not an FS rendezvous name`},
		{"relative name", func(int) string { return "FS_x_" }, codeBinding, "is not an FS rendezvous name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs, ss, cconn, _ := tcpPair(t)
			done := make(chan error, 1)
			go func() {
				done <- NewClient(ClientConfig{ServiceAccount: sameAccount}).Authenticate(context.Background(), cs, nil)
			}()
			result, ext := handServer(t, ss, c.dirName(cconn.RemoteAddr().(*net.TCPAddr).Port), -1)
			if result != -1 || ext != "" {
				t.Errorf("client reply %d %q, want -1 and no extension", result, ext)
			}
			wantFailure(t, "client", <-done, c.code, c.text)
		})
	}

	// The mkdir message carries strerror and errno like C++.
	cs, ss, cconn, _ := tcpPair(t)
	done := make(chan error, 1)
	go func() {
		done <- NewClient(ClientConfig{ServiceAccount: sameAccount}).Authenticate(context.Background(), cs, nil)
	}()
	name := fmt.Sprintf("/nonexistent/FS_127.0.0.1_%d_XXXabcdef_", cconn.RemoteAddr().(*net.TCPAddr).Port)
	handServer(t, ss, name, -1)
	if err := <-done; err == nil || !strings.Contains(err.Error(), "FS authentication failed: mkdir("+name+"127.0.0.1:") ||
		!strings.Contains(err.Error(), ", 0700): No such file or directory (2)") {
		t.Errorf("mkdir failure: %v", err)
	}

	// A server that refuses after the client created the directory.
	dir := t.TempDir()
	cs, ss, cconn, _ = tcpPair(t)
	go func() {
		done <- NewClient(ClientConfig{ServiceAccount: sameAccount}).Authenticate(context.Background(), cs, nil)
	}()
	result, _ := handServer(t, ss, fmt.Sprintf("%s/FS_127.0.0.1_%d_XXXabcdef_", dir, cconn.RemoteAddr().(*net.TCPAddr).Port), -1)
	if result != 0 {
		t.Errorf("client result %d", result)
	}
	wantFailure(t, "client", <-done, codeRefused, "Server could not verify directory")
	emptyDir(t, dir)
}

func TestServerMkstempFailure(t *testing.T) {
	cerr, s := run(t, NewClient(ClientConfig{ServiceAccount: sameAccount}),
		NewServer(ServerConfig{Dir: "/nonexistent"}), nil, nil)
	wantFailure(t, "client", cerr, codeServerError, "Server Error, check server log.")
	wantFailure(t, "server", s.err, codeMkstemp, "condor_mkstemp(/nonexistent/FS_127.0.0.1_")
	if s.err != nil && !strings.Contains(s.err.Error(), "_XXXXXXXXX) failed: No such file or directory (2)") {
		t.Errorf("server error %v", s.err)
	}
}

// Malformed replies are fatal: C++ drops the connection.
func TestServerMalformedReply(t *testing.T) {
	for _, c := range []struct {
		name    string
		payload []byte
		want    string
	}{
		{"trailing bytes", append(append(make([]byte, 8), []byte("127.0.0.1:1\x00")...), 0), "unread bytes"},
		{"short int", []byte{0, 0, 0}, "needs 8 bytes"},
		{"unterminated extension", append(make([]byte, 8), 'x'), "not NUL-terminated"},
	} {
		sys := &fakeSys{}
		srv := NewServer(ServerConfig{Dir: "/d", sys: sys.ops(), Rand: charsRand("abcdef")})
		conn := transcript.NewConn(transcript.Frame(c.payload))
		_, err := srv.Authenticate(context.Background(), replay.NewStream(t, conn),
			&auth.Peer{Local: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9618}})
		if err == nil || errors.Is(err, auth.ErrFailed) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a fatal error with %q", c.name, err, c.want)
		}
	}
}

func TestContextCancel(t *testing.T) {
	cs, _, _, _ := tcpPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := NewClient(ClientConfig{}).Authenticate(ctx, cs, nil)
	if err == nil || errors.Is(err, auth.ErrFailed) || !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want a fatal error naming context.Canceled", err)
	}
}

func TestLookupServiceAccount(t *testing.T) {
	passwd := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/sh\ncondor:x:999:995::/var/lib/condor:/bin/false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := osuser.PasswdFile
	osuser.PasswdFile = passwd
	t.Cleanup(func() { osuser.PasswdFile = old })

	for _, c := range []struct {
		ids  string
		want Account
		err  string
	}{
		{"", Account{Uid: 999, Gid: 995, Name: "condor"}, ""},
		{"999.995", Account{Uid: 999, Gid: 995, Name: "condor"}, ""},
		{" 1234 . 5 ", Account{Uid: 1234, Gid: 5}, ""},
		{"0.0", Account{Uid: 0, Gid: 0, Name: "root"}, ""},
		{"999", Account{}, `CONDOR_IDS = "999" is not of the form uid.gid`},
		{"a.b", Account{}, "not of the form uid.gid"},
		{"-1.5", Account{}, "not of the form uid.gid"},
	} {
		got, err := LookupServiceAccount(c.ids)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want error %q", c.ids, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.ids, got, err, c.want)
		}
	}
	if err := os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LookupServiceAccount(""); err == nil || !strings.Contains(err.Error(), `can't find "condor" in the password file and CONDOR_IDS not defined`) {
		t.Errorf("no condor user: %v", err)
	}
}

// Channel binding over IPv6: the extension is "[addr]:port".
func TestLoopbackIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() { c, _ := ln.Accept(); accepted <- c }()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	sc := <-accepted
	defer cc.Close()
	defer sc.Close()
	dir := t.TempDir()
	var notes []string
	cpeer := &auth.Peer{Explain: func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }}
	done := make(chan serverResult, 1)
	go func() {
		id, err := NewServer(ServerConfig{Dir: dir, LookupUser: func(int) (string, error) { return "u", nil }}).
			Authenticate(context.Background(), replay.NewStream(t, sc), nil)
		done <- serverResult{id, err}
	}()
	if err := NewClient(ClientConfig{ServiceAccount: sameAccount}).Authenticate(context.Background(), replay.NewStream(t, cc), cpeer); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.err != nil || r.id.User != "u" {
		t.Fatalf("server %+v", r)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	want := fmt.Sprintf("/FS_::1_%d_XXX", port)
	ext := fmt.Sprintf("_[::1]:%d (channel binding", port)
	ok := false
	for _, n := range notes {
		ok = ok || (strings.Contains(n, want) && strings.Contains(n, ext))
	}
	if !ok {
		t.Errorf("notes %q lack %q … %q", notes, want, ext)
	}
	emptyDir(t, dir)
}
