package token

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

var (
	keyA = bytes.Repeat([]byte("A"), 64)
	keyB = bytes.Repeat([]byte("B"), 64)
)

func TestExchangeSuccess(t *testing.T) {
	kc := poolKeys(t, keyA, nil)
	raw := mint(t, kc, idtoken.MintOptions{Subject: "alice@Example.ORG", Authz: []string{"READ", "WRITE"},
		Lifetime: 3600, Jti: "00112233445566778899aabbccddeeff"})
	cli := NewClient(ClientConfig{Tokens: []string{raw}, NoDirectory: true})
	srv := NewServer(ServerConfig{Keys: kc, Now: func() time.Time { return testNow.Add(time.Minute) }})
	cerr, s := run(t, cli, srv, &auth.Peer{TrustDomain: "example.org", IssuerKeys: []string{"POOL"}})
	if cerr != nil || s.err != nil {
		t.Fatalf("client %v, server %v", cerr, s.err)
	}
	want := auth.Identity{User: "alice", Domain: "example.org", Method: "TOKEN", Policy: map[string]any{
		"AuthTokenSubject":    "alice@Example.ORG",
		"AuthTokenIssuer":     "example.org",
		"AuthTokenId":         "00112233445566778899aabbccddeeff",
		"LimitAuthorization":  "READ,WRITE",
		"AuthTokenScopes":     "condor:/READ,condor:/WRITE",
		"TokenExpirationTime": testNow.Unix() + 3600,
	}}
	if diff := cmp.Diff(want, s.id); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
}

// An HS384 token: the signature (and so the AKEP2 input key) is 48 bytes,
// and the server re-signs with the token's own alg (tokens.md §6.2 step 3).
func TestExchangeHS384(t *testing.T) {
	kc := poolKeys(t, keyA, nil)
	key, err := kc.SigningKey("POOL")
	if err != nil {
		t.Fatal(err)
	}
	raw := signRaw(t, `{"alg":"HS384","kid":"POOL"}`, `{"iat":1800000000,"iss":"example.org","jti":"ab","sub":"carol"}`,
		jwt.SigningMethodHS384, key)
	cli := NewClient(ClientConfig{Tokens: []string{raw}, NoDirectory: true})
	srv := NewServer(ServerConfig{Keys: kc, Now: func() time.Time { return testNow }})
	cerr, s := run(t, cli, srv, &auth.Peer{})
	if cerr != nil || s.err != nil {
		t.Fatalf("client %v, server %v", cerr, s.err)
	}
	if s.id.User != "carol" || s.id.Domain != "" || s.id.FQU() != "carol" {
		t.Errorf("identity %+v", s.id)
	}
}

func signRaw(t testing.TB, header, payload string, m jwt.SigningMethod, key []byte) string {
	t.Helper()
	hp := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	sig, err := m.Sign(hp, key)
	if err != nil {
		t.Fatal(err)
	}
	return hp + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// Clean failures: both sides report auth.ErrFailed, the server the precise
// cause, and the streams stay in step (checked by run).
func TestExchangeRefused(t *testing.T) {
	kcA := poolKeys(t, keyA, nil)
	kcB := poolKeys(t, keyB, nil)
	good := idtoken.MintOptions{Subject: "alice@example.org", Jti: "0123456789abcdef0123456789abcdef"}
	expiring := good
	expiring.Lifetime = 10
	named := good
	named.KeyID = "nosuch"
	kcNamed := poolKeys(t, keyA, map[string][]byte{"nosuch": keyA})

	cases := []struct {
		name       string
		token      string
		srv        ServerConfig
		serverIs   error  // cause the server error must match
		serverText string // text in the server error
		clientText string // text in the client error
	}{
		{"wrong key", mint(t, kcB, good), ServerConfig{Keys: kcA}, idtoken.ErrBadSignature,
			`not signed with signing key "POOL" here`, `signing key "POOL" differs`},
		{"expired", mint(t, kcA, expiring), ServerConfig{Keys: kcA, Now: func() time.Time { return testNow.Add(time.Hour) }},
			idtoken.ErrExpired, "token expired at", "the server refused"},
		{"too old", mint(t, kcA, good), ServerConfig{Keys: kcA, MaxAge: 60, Now: func() time.Time { return testNow.Add(time.Hour) }},
			idtoken.ErrTooOld, "SEC_TOKEN_MAX_AGE", "the server refused"},
		{"revoked", mint(t, kcA, good), ServerConfig{Keys: kcA, Revoked: func(c map[string]any) (bool, error) {
			return c["jti"] == "0123456789abcdef0123456789abcdef", nil
		}}, idtoken.ErrRevoked, "revoked by SEC_TOKEN_REVOCATION_EXPR", "the server refused"},
		{"revocation error", mint(t, kcA, good), ServerConfig{Keys: kcA, Revoked: func(map[string]any) (bool, error) {
			return false, errors.New("UNDEFINED")
		}}, idtoken.ErrRevoked, "could not be evaluated", "the server refused"},
		{"alg none", "eyJhbGciOiJub25lIiwia2lkIjoiUE9PTCJ9." + base64.RawURLEncoding.EncodeToString(
			[]byte(`{"iat":1800000000,"iss":"example.org","jti":"aa","sub":"alice@example.org"}`)) + ".AAAA",
			ServerConfig{Keys: kcA}, idtoken.ErrAlg, `"none" not allowed`, "the server refused"},
		{"unknown kid", mint(t, kcNamed, named), ServerConfig{Keys: kcA}, idtoken.ErrUnknownKey,
			`unknown signing key "nosuch"`, `signing key "nosuch"`},
		{"no jti", signRawKey(t, kcA, `{"iat":1800000000,"iss":"example.org","sub":"alice@example.org"}`),
			ServerConfig{Keys: kcA}, idtoken.ErrNoJTI, `no "jti"`, "the server refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.srv.Now == nil {
				c.srv.Now = func() time.Time { return testNow }
			}
			cli := NewClient(ClientConfig{Tokens: []string{c.token}, NoDirectory: true})
			cerr, s := run(t, cli, NewServer(c.srv), &auth.Peer{})
			if !errors.Is(cerr, auth.ErrFailed) || !strings.Contains(cerr.Error(), c.clientText) {
				t.Errorf("client error %v, want ErrFailed with %q", cerr, c.clientText)
			}
			if !errors.Is(s.err, auth.ErrFailed) || !errors.Is(s.err, c.serverIs) || !strings.Contains(s.err.Error(), c.serverText) {
				t.Errorf("server error %v, want ErrFailed and %v with %q", s.err, c.serverIs, c.serverText)
			}
			if s.id.User != "" {
				t.Errorf("identity %+v after a failure", s.id)
			}
			sig := c.token[strings.LastIndexByte(c.token, '.')+1:]
			for _, err := range []error{cerr, s.err} {
				if err != nil && len(sig) > 8 && strings.Contains(err.Error(), sig) {
					t.Errorf("error reveals the token signature: %v", err)
				}
			}
		})
	}
}

func signRawKey(t testing.TB, kc idtoken.KeyConfig, payload string) string {
	key, err := kc.SigningKey("POOL")
	if err != nil {
		t.Fatal(err)
	}
	return signRaw(t, `{"alg":"HS256","kid":"POOL"}`, payload, jwt.SigningMethodHS256, key)
}

// A client whose name differs from the token's subject is refused at
// message 2 (HTCondor only notices after message 3 and hangs).
func TestServerRefusesNameMismatch(t *testing.T) {
	kc := poolKeys(t, keyA, nil)
	tok, err := idtoken.Parse(mint(t, kc, idtoken.MintOptions{Subject: "alice@example.org"}))
	if err != nil {
		t.Fatal(err)
	}
	cs, ss := pipePair(t)
	done := make(chan error, 1)
	go func() {
		_, err := NewServer(ServerConfig{Keys: kc, Now: func() time.Time { return testNow }}).
			Authenticate(context.Background(), ss, nil)
		done <- err
	}()
	m1 := message1{ALen: 7, A: "mallory", HP: tok.SigningInput, RaLen: NonceLen, Ra: make([]byte, NonceLen)}
	if err := m1.put(cs); err != nil {
		t.Fatal(err)
	}
	m2, err := readMessage2(cs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(errorMessage2(), m2); diff != "" {
		t.Errorf("message 2 is not the error form (-want +got):\n%s", diff)
	}
	m3 := errorMessage3()
	if err := m3.put(cs); err != nil {
		t.Fatal(err)
	}
	err = <-done
	if !errors.Is(err, auth.ErrFailed) || !strings.Contains(err.Error(), `calls itself "mallory" but the token's subject is "alice@example.org"`) {
		t.Errorf("server error %v", err)
	}
}

// The exact bytes of the failure forms (cedar.md §5.1: status −1, lengths
// 0, empty strings, no raw bytes).
func TestErrorMessageBytes(t *testing.T) {
	for _, c := range []struct {
		name string
		put  func(*transcript.Conn) error
		want string
	}{
		{"message 1", func(rc *transcript.Conn) error { m := errorMessage1("h.p"); return m.put(replay.NewStream(t, rc)) },
			"ffffffffffffffff" + "0000000000000000" + "00" + "682e7000" + "0000000000000000"},
		{"message 2", func(rc *transcript.Conn) error { m := errorMessage2(); return m.put(replay.NewStream(t, rc)) },
			"ffffffffffffffff" + "0000000000000000" + "00" + "0000000000000000" + "00" + strings.Repeat("0000000000000000", 3)},
		{"message 3", func(rc *transcript.Conn) error { m := errorMessage3(); return m.put(replay.NewStream(t, rc)) },
			"ffffffffffffffff" + "0000000000000000" + "00" + strings.Repeat("0000000000000000", 2)},
	} {
		rc := &transcript.Conn{}
		if err := c.put(rc); err != nil {
			t.Fatal(err)
		}
		if got, want := rc.Written(), transcript.Frame(transcript.Unhex(t, c.want)); !bytes.Equal(got, want) {
			t.Errorf("%s: %x, want %x", c.name, got, want)
		}
	}
}

// Without any token the client still runs the exchange and both sides fail
// cleanly; Usable says why.
func TestNoToken(t *testing.T) {
	kc := poolKeys(t, keyA, nil)
	cli := NewClient(ClientConfig{NoDirectory: true})
	peer := &auth.Peer{TrustDomain: "example.org", IssuerKeys: []string{"POOL"}}
	ok, why := cli.Usable(peer)
	if ok || !strings.Contains(why, `no token for trust domain "example.org" with one of the signing keys [POOL]`) ||
		!strings.Contains(why, "no local signing keys") {
		t.Errorf("Usable = %v, %q", ok, why)
	}
	cerr, s := run(t, cli, NewServer(ServerConfig{Keys: kc}), peer)
	if !errors.Is(cerr, auth.ErrFailed) || !strings.Contains(cerr.Error(), "no token") {
		t.Errorf("client error %v", cerr)
	}
	if !errors.Is(s.err, auth.ErrFailed) || !strings.Contains(s.err.Error(), "the client reported an error") {
		t.Errorf("server error %v", s.err)
	}
}

// A client holding the server's signing key and sharing its trust domain
// mints a 60-second condor@password token (cedar.md §5.2).
func TestMintFallback(t *testing.T) {
	kc := poolKeys(t, keyA, map[string][]byte{"AP": keyB})
	now := func() time.Time { return testNow }
	cli := NewClient(ClientConfig{NoDirectory: true, Keys: &kc, TrustDomain: "example.org, extra", Now: now})
	peer := &auth.Peer{TrustDomain: "example.org", IssuerKeys: []string{"POOL", "AP"}}
	if ok, why := cli.Usable(peer); !ok {
		t.Fatalf("Usable: %s", why)
	}
	cerr, s := run(t, cli, NewServer(ServerConfig{Keys: kc, Now: now}), peer)
	if cerr != nil || s.err != nil {
		t.Fatalf("client %v, server %v", cerr, s.err)
	}
	if s.id.FQU() != "condor@password" || s.id.Policy["TokenExpirationTime"] != testNow.Unix()+60 {
		t.Errorf("identity %+v", s.id)
	}

	// The first of the server's keys in sorted order wins: "AP" (keyB).
	srvOnlyPool := NewServer(ServerConfig{Keys: poolKeys(t, keyA, nil), Now: now})
	cerr, s = run(t, cli, srvOnlyPool, peer)
	if !errors.Is(cerr, auth.ErrFailed) || !errors.Is(s.err, idtoken.ErrUnknownKey) {
		t.Errorf("minting with AP against a server without AP: client %v, server %v", cerr, s.err)
	}

	for _, c := range []struct {
		name string
		peer auth.Peer
		want string
	}{
		{"other trust domain", auth.Peer{TrustDomain: "other.org", IssuerKeys: []string{"POOL"}}, `TRUST_DOMAIN here is "example.org", the server's is "other.org"`},
		{"no server keys", auth.Peer{TrustDomain: "example.org"}, "the server lists no signing keys"},
		{"no common key", auth.Peer{TrustDomain: "example.org", IssuerKeys: []string{"X"}}, "none of the server's signing keys [X] is readable here (local keys: [AP, POOL])"},
	} {
		if ok, why := cli.Usable(&c.peer); ok || !strings.Contains(why, c.want) {
			t.Errorf("%s: Usable = %v, %q; want %q", c.name, ok, why, c.want)
		}
	}
	// Before the server's response is known, a local key is enough
	// (should_try_auth).
	if ok, why := cli.Usable(&auth.Peer{}); !ok {
		t.Errorf("Usable before the response: %s", why)
	}
}

// Cancelling the context aborts a client waiting for message 2.
func TestContextCancel(t *testing.T) {
	kc := poolKeys(t, keyA, nil)
	cli := NewClient(ClientConfig{Tokens: []string{mint(t, kc, idtoken.MintOptions{Subject: "a@b"})}, NoDirectory: true})
	a, b := net.Pipe()
	defer b.Close()
	go func() { // read message 1, then stall
		buf := make([]byte, 4096)
		_, _ = b.Read(buf)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := cli.Authenticate(ctx, replay.NewStream(t, a), &auth.Peer{})
	if err == nil || errors.Is(err, auth.ErrFailed) || !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want a fatal error naming context.Canceled", err)
	}
	if err := cli.Authenticate(ctx, replay.NewStream(t, a), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("with a done context: %v", err)
	}
}

// Malformed server answers are fatal (not ErrFailed): C++ aborts on them.
func TestClientMalformedMessage2(t *testing.T) {
	kc := poolKeys(t, keyA, nil)
	raw := mint(t, kc, idtoken.MintOptions{Subject: "a@b"})
	long := strings.Repeat("x", 1024)
	for _, c := range []struct {
		name, payload, want string
	}{
		{"Ra length 257", "00000000000000000000000000000000" + "00" + "0000000000000000" + "00" + "0000000000000101", "length of Ra is 257, outside 0..256"},
		{"negative Rb length", "0000000000000000" + "0000000000000000" + "00" + "0000000000000000" + "00" + "0000000000000000" + "ffffffffffffffff", "length of Rb is -1"},
		{"hkt length 65", "0000000000000000" + "0000000000000000" + "00" + "0000000000000000" + "00" + "0000000000000000" + "0000000000000000" + "0000000000000041", "length of hkt is 65"},
		{"name too long", "0000000000000000" + "0000000000000400" + hex.EncodeToString([]byte(long)) + "00", "A is 1024 bytes"},
		{"int wider than 32 bits", "0000000100000000", "does not fit a 32-bit field"},
		{"trailing bytes", "ffffffffffffffff" + "0000000000000000" + "00" + "0000000000000000" + "00" + strings.Repeat("0000000000000000", 3) + "00", "unread bytes"},
		{"truncated", "00000000", "needs 8 bytes"},
	} {
		conn := transcript.NewConn(transcript.Frame(transcript.Unhex(t, c.payload)))
		cli := NewClient(ClientConfig{Tokens: []string{raw}, NoDirectory: true})
		err := cli.Authenticate(context.Background(), replay.NewStream(t, conn), &auth.Peer{})
		if err == nil || errors.Is(err, auth.ErrFailed) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a fatal error with %q", c.name, err, c.want)
		}
	}
}
