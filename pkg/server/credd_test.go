package server

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/credstore"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// putStoreCred writes a STORE_CRED request (credentials.md §5.1-§5.2).
func putStoreCred(s *cedar.Stream, user string, mode int, cred []byte, opts *classad.Ad) error {
	if err := s.PutString(user); err != nil {
		return err
	}
	if err := s.PutString(""); err != nil {
		return err
	}
	if err := s.PutInt(int64(mode)); err != nil {
		return err
	}
	if mode&credstore.FlagLegacy == 0 {
		if err := s.PutInt(int64(len(cred))); err != nil {
			return err
		}
		if len(cred) > 0 {
			if err := s.PutBytes(cred); err != nil {
				return err
			}
		}
		if opts == nil {
			opts = classad.NewAd()
		}
		if err := s.PutAdLines(opts.AssignmentLines(classad.FlatMapOrder), "", ""); err != nil {
			return err
		}
	}
	return s.EndOfMessage()
}

// storeCred runs STORE_CRED and returns the answer and the reply ad.
func (f *fixture) storeCred(t testing.TB, c *security.Client, user string, mode int, cred []byte, opts *classad.Ad) (int64, *classad.Ad, error) {
	t.Helper()
	r, err := f.dial(t, c, cmdStoreCred)
	if err != nil {
		return 0, nil, err
	}
	defer r.Stream.Close()
	if err := putStoreCred(r.Stream, user, mode, cred, opts); err != nil {
		return 0, nil, err
	}
	code, err := r.Stream.GetInt()
	if err != nil {
		return 0, nil, err
	}
	var rep *classad.Ad
	if mode&credstore.FlagLegacy == 0 {
		lines, _, _, err := r.Stream.GetAdLines()
		if err != nil {
			return code, nil, err
		}
		if rep, err = classad.ParseLines(lines); err != nil {
			return code, nil, err
		}
	}
	return code, rep, r.Stream.EndOfMessage()
}

// TestStoreCredOAuth: add, query, fetch and delete an OAuth credential
// (RW-15, RB-25..RB-30).
func TestStoreCredOAuth(t *testing.T) {
	f := newFixture(t, "")
	c := f.tokenClient(t, alice, nil, -1)
	secret := []byte("mysvc-access-token-0123456789abcdef")

	code, rep, err := f.storeCred(t, c, "", credstore.OpAdd|credstore.TypeOAuth, secret, ad(t, "service", "mysvc", "NeedRefresh", false))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.dir, "oauth", "alice", "mysvc.use")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if code != st.ModTime().Unix() || code <= 100 {
		t.Errorf("add answered %d, want the store time %d", code, st.ModTime().Unix())
	}
	if diff := cmp.Diff([]string{`fully_qualified_user = "alice@example.net"`}, rep.AssignmentLines(classad.FlatMapOrder)); diff != "" {
		t.Errorf("add reply ad (-want +got):\n%s", diff)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, secret) || st.Mode().Perm() != 0o600 {
		t.Errorf("%s holds %q with mode %v", path, got, st.Mode().Perm())
	}

	code, rep, err = f.storeCred(t, c, "", credstore.OpQuery|credstore.TypeOAuth, nil, ad(t, "service", "mysvc", "NeedRefresh", true))
	if err != nil {
		t.Fatal(err)
	}
	if code != credstore.Success {
		t.Errorf("query answered %d, want SUCCESS", code)
	}
	if when, _ := rep.GetInt("mysvc"); when != st.ModTime().Unix() {
		t.Errorf("query reply %s lacks mysvc = <mtime>", rep)
	}

	// CREDD_GET_TOKEN reads the .use file back (credentials.md §5.7).
	got := f.mustCall(t, c, cmdCreddGetToken, ad(t, "Service", "mysvc"))
	if mustStr(got, "Token") != string(secret) {
		t.Errorf("CREDD_GET_TOKEN reply %v", got.Names())
	}
	got = f.mustCall(t, c, cmdCreddGetToken, ad(t, "Service", "bad/name"))
	if mustStr(got, "ErrorString") != "cred_get_token_handler(): illegal character in service name." {
		t.Errorf("CREDD_GET_TOKEN of a bad name: %s", got)
	}

	// Another user's credential needs CRED_SUPER_USERS.
	if code, _, err := f.storeCred(t, f.tokenClient(t, bob, nil, -1), alice, credstore.OpDelete|credstore.TypeOAuth, nil, ad(t, "service", "mysvc")); err != nil || code != credstore.FailureNotAllowed {
		t.Errorf("bob deleting alice's credential: %d %v, want FAILURE_NOT_ALLOWED", code, err)
	}

	if code, _, err := f.storeCred(t, c, "", credstore.OpDelete|credstore.TypeOAuth, nil, ad(t, "service", "mysvc")); err != nil || code != credstore.Success {
		t.Errorf("delete: %d %v", code, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still exists after delete", path)
	}
	if code, _, err := f.storeCred(t, c, "", credstore.OpQuery|credstore.TypeOAuth, nil, ad(t, "service", "mysvc")); err != nil || code != credstore.FailureNotFound {
		t.Errorf("query after delete: %d %v, want FAILURE_NOT_FOUND", code, err)
	}
	// A legacy mode is answered with the int alone.
	if code, rep, err := f.storeCred(t, c, "", credstore.ModeLegacyPwd|credstore.OpQuery, nil, nil); err != nil || rep != nil || code != credstore.Failure {
		t.Errorf("legacy query: %d %v %v, want FAILURE and no ad", code, rep, err)
	}
}

// TestStoreCredRefusals: STORE_CRED needs a mapped identity (the handshake
// refuses others) and an encrypted session (credentials.md §5.4).
func TestStoreCredRefusals(t *testing.T) {
	f := newFixture(t, "")
	if _, _, err := f.storeCred(t, anonClient(t), "", credstore.OpAdd|credstore.TypeOAuth, []byte("x"), ad(t, "service", "s")); err == nil {
		t.Error("STORE_CRED over ANONYMOUS was accepted")
	}
	if _, err := os.Stat(filepath.Join(f.dir, "oauth", "CONDOR_ANONYMOUS_USER")); !errors.Is(err, os.ErrNotExist) {
		t.Error("an anonymous credential directory was created")
	}

	// The handler itself, on connections the security layer would not
	// produce: unencrypted, and unauthenticated.
	g := f.srv.cur.Load()
	msg := frame(t, func(s *cedar.Stream) error {
		return putStoreCredNoEOM(s, "", credstore.OpAdd|credstore.TypeOAuth, []byte("secret"), ad(t, "service", "s"))
	})
	peer := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}
	id := auth.Identity{User: "alice", Domain: domain, Method: "TOKEN"}

	var out bytes.Buffer
	req := &daemon.Request{Stream: memStream(t, msg, &out), Command: cmdStoreCred, Identity: id, Authenticated: true, Method: "IDTOKENS", Peer: peer}
	if err := g.handleStoreCred(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	reply := memStream(t, out.Bytes(), &bytes.Buffer{})
	if code, err := reply.GetInt(); err != nil || code != credstore.FailureNotSecure {
		t.Errorf("unencrypted STORE_CRED answered %d (%v), want FAILURE_NOT_SECURE", code, err)
	}

	out.Reset()
	req = &daemon.Request{Stream: memStream(t, msg, &out), Command: cmdStoreCred, Identity: unauthIdentity, Encrypted: true, Peer: peer}
	if err := g.handleStoreCred(context.Background(), req); !errors.Is(err, errNoReply) || out.Len() != 0 {
		t.Errorf("unauthenticated STORE_CRED: %v, %d reply bytes; want no reply", err, out.Len())
	}
	if _, err := os.Stat(filepath.Join(f.dir, "oauth", "alice")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused STORE_CRED stored a credential")
	}

	// A message cut short is a protocol mismatch.
	out.Reset()
	short := frame(t, func(s *cedar.Stream) error {
		if err := s.PutString(""); err != nil {
			return err
		}
		if err := s.PutString(""); err != nil {
			return err
		}
		if err := s.PutInt(credstore.OpAdd | credstore.TypeOAuth); err != nil {
			return err
		}
		return s.PutInt(1000)
	})
	req = &daemon.Request{Stream: memStream(t, short, &out), Command: cmdStoreCred, Identity: id, Authenticated: true, Encrypted: true, Peer: peer}
	if err := g.handleStoreCred(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if code, err := memStream(t, out.Bytes(), &bytes.Buffer{}).GetInt(); err != nil || code != credstore.FailureProtocolMismatch {
		t.Errorf("short STORE_CRED answered %d (%v), want FAILURE_PROTOCOL_MISMATCH", code, err)
	}
}

var unauthIdentity = auth.Identity{User: "unauthenticated", Domain: "unmapped"}

// putStoreCredNoEOM is putStoreCred without the end of message (frame adds it).
func putStoreCredNoEOM(s *cedar.Stream, user string, mode int, cred []byte, opts *classad.Ad) error {
	for _, v := range []string{user, ""} {
		if err := s.PutString(v); err != nil {
			return err
		}
	}
	for _, v := range []int64{int64(mode), int64(len(cred))} {
		if err := s.PutInt(v); err != nil {
			return err
		}
	}
	if err := s.PutBytes(cred); err != nil {
		return err
	}
	return s.PutAdLines(opts.AssignmentLines(classad.FlatMapOrder), "", "")
}

// TestStorePoolCred: the pool password through the "master"
// (credentials.md §5.3): ADMINISTRATOR only.
func TestStorePoolCred(t *testing.T) {
	f := newFixture(t, "")
	run := func(c *security.Client, domainName, pw string) (int64, error) {
		r, err := f.dial(t, c, cmdStorePoolCred)
		if err != nil {
			return 0, err
		}
		defer r.Stream.Close()
		if err := r.Stream.PutString(domainName); err != nil {
			return 0, err
		}
		if err := r.Stream.PutString(pw); err != nil {
			return 0, err
		}
		if err := r.Stream.EndOfMessage(); err != nil {
			return 0, err
		}
		code, err := r.Stream.GetInt()
		if err == nil {
			err = r.Stream.EndOfMessage()
		}
		return code, err
	}
	// CLAIMTOBE: the new pool password replaces the POOL signing key, so
	// tokens would stop working after the first step.
	adm := claimClient(t, admin)
	pwFile := filepath.Join(f.dir, "passwords.d", "POOL")
	// The POOL signing key is also the pool password file on Linux.
	if code, err := run(adm, domain, "newpoolpw"); err != nil || code != credstore.Success {
		t.Fatalf("add: %d %v", code, err)
	}
	got, err := credstore.ReadPoolPassword(pwFile)
	if err != nil || string(got) != "newpoolpw" {
		t.Errorf("pool password file holds %q (%v)", got, err)
	}
	if _, err := run(f.tokenClient(t, alice, nil, -1), domain, "x"); !errors.Is(err, security.ErrDenied) {
		t.Errorf("STORE_POOL_CRED by alice: %v, want ErrDenied", err)
	}
	if code, err := run(adm, domain, ""); err != nil || code != credstore.Success {
		t.Errorf("delete: %d %v", code, err)
	}
	if _, err := os.Stat(pwFile); !errors.Is(err, os.ErrNotExist) {
		t.Error("pool password file still exists after delete")
	}
}

// TestStorePoolCredHandler: the cases a negotiated session does not
// produce (credentials.md §5.3).
func TestStorePoolCredHandler(t *testing.T) {
	f := newFixture(t, "CREDD_HOST = vm\n")
	g := f.srv.cur.Load()
	id := auth.Identity{User: "admin", Domain: domain, Method: "TOKEN"}
	msg := func(domainNull bool, pw string) []byte {
		return frame(t, func(s *cedar.Stream) error {
			var err error
			if domainNull {
				err = s.PutNullString()
			} else {
				err = s.PutString(domain)
			}
			if err != nil {
				return err
			}
			return s.PutString(pw)
		})
	}
	run := func(in []byte, encrypted bool, ip net.IP) (int64, int, error) {
		var out bytes.Buffer
		req := &daemon.Request{Stream: memStream(t, in, &out), Command: cmdStorePoolCred, Identity: id, Authenticated: true,
			Encrypted: encrypted, Peer: &net.TCPAddr{IP: ip, Port: 4000}}
		err := g.handleStorePoolCred(context.Background(), req)
		if out.Len() == 0 {
			return 0, 0, err
		}
		code, rerr := memStream(t, out.Bytes(), &bytes.Buffer{}).GetInt()
		if rerr != nil {
			t.Fatal(rerr)
		}
		return code, out.Len(), err
	}
	local := net.IPv4(127, 0, 0, 1)
	if code, _, err := run(msg(false, "pw"), false, local); err != nil || code != credstore.FailureNotSecure {
		t.Errorf("unencrypted password: %d %v, want FAILURE_NOT_SECURE", code, err)
	}
	if _, n, err := run(msg(true, "pw"), true, local); !errors.Is(err, errNoReply) || n != 0 {
		t.Errorf("NULL domain: %v, %d reply bytes; want no reply", err, n)
	}
	if _, n, err := run(msg(false, "pw"), true, net.IPv4(10, 1, 2, 3)); !errors.Is(err, errNoReply) || n != 0 {
		t.Errorf("remote change on the CREDD_HOST: %v, %d reply bytes; want no reply", err, n)
	}
	if code, _, err := run(msg(false, ""), true, local); err != nil || code != credstore.Success {
		t.Errorf("local delete: %d %v", code, err)
	}
}
