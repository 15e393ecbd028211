package security

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/internal/testutil"
	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/anonymous"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/google/go-cmp/cmp"
)

// payloadRoundTrip sends one ad each way after the handshake, to prove the
// stream is usable (and encrypted consistently on both sides).
func payloadRoundTrip(t testing.TB) (func(*Result) error, func(*Accepted) error) {
	clientFn := func(r *Result) error {
		s := r.Stream
		if err := s.PutAdLines([]string{`Ping = "hello"`}, "", ""); err != nil {
			return err
		}
		if err := s.EndOfMessage(); err != nil {
			return err
		}
		lines, _, _, err := s.GetAdLines()
		if err != nil {
			return err
		}
		if err := s.EndOfMessage(); err != nil {
			return err
		}
		if len(lines) != 1 || lines[0] != `Pong = "world"` {
			return fmt.Errorf("reply %q", lines)
		}
		return nil
	}
	serverFn := func(a *Accepted) error {
		s := a.Stream
		lines, _, _, err := s.GetAdLines()
		if err != nil {
			return err
		}
		if err := s.EndOfMessage(); err != nil {
			return err
		}
		if len(lines) != 1 || lines[0] != `Ping = "hello"` {
			return fmt.Errorf("request %q", lines)
		}
		if err := s.PutAdLines([]string{`Pong = "world"`}, "", ""); err != nil {
			return err
		}
		return s.EndOfMessage()
	}
	return clientFn, serverFn
}

// TestLevelMatrix runs every combination of client and server levels
// (authentication, encryption and integrity all set to the same level on
// each side) and checks the decision table of cedar.md §4.5: FAIL closes
// the connection without a reply (the C++ client's SECMAN:2011 text), YES
// authenticates with CLAIMTOBE, NO continues unauthenticated — encrypted
// all the same, since ECDH always yields an AES key (pitfall 11).
func TestLevelMatrix(t *testing.T) {
	levels := []string{"REQUIRED", "PREFERRED", "OPTIONAL", "NEVER"}
	for _, cl := range levels {
		for _, sl := range levels {
			t.Run(cl+"/"+sl, func(t *testing.T) {
				ck := knobs{"SEC_CLIENT_AUTHENTICATION": cl, "SEC_CLIENT_ENCRYPTION": cl, "SEC_CLIENT_INTEGRITY": cl,
					"SEC_CLIENT_NEGOTIATION": "REQUIRED", "TRUST_DOMAIN": testDomain}
				sk := knobs{"SEC_DEFAULT_AUTHENTICATION": sl, "SEC_DEFAULT_ENCRYPTION": sl, "SEC_DEFAULT_INTEGRITY": sl}
				c := newTestClient(t, ck)
				srv := newTestServer(t, sk)
				cf, sf := payloadRoundTrip(t)
				out := loopback(t, c, srv, Request{Command: cmdWrite}, cf, sf)
				cLevel, _ := ParseLevel(cl)
				sLevel, _ := ParseLevel(sl)
				switch Reconcile(cLevel, sLevel) {
				case Fail:
					want := "SECMAN:2011:Connection closed during command authorization. Probably due to an unknown command."
					if errText(out.err) != want || !errors.Is(out.err, ErrCommandRejected) {
						t.Fatalf("client error %q, want %q", errText(out.err), want)
					}
					if !errors.Is(out.srvErr, ErrRejected) {
						t.Fatalf("server error %v, want ErrRejected", out.srvErr)
					}
				case Yes:
					if out.err != nil || out.srvErr != nil {
						t.Fatalf("client %v / server %v", out.err, out.srvErr)
					}
					if out.res.Method != "CLAIMTOBE" || out.res.MyIdentity != "alice@example.net" || !out.res.Encrypted || !out.res.TriedAuthentication {
						t.Fatalf("result %+v", out.res)
					}
					if out.acc.Identity.FQU() != "alice@example.net" || !out.acc.Authenticated || !out.acc.Encrypted {
						t.Fatalf("accepted %+v", out.acc)
					}
				case No:
					if out.err != nil || out.srvErr != nil {
						t.Fatalf("client %v / server %v", out.err, out.srvErr)
					}
					if out.res.Method != "" || out.res.MyIdentity != UnauthenticatedUser || !out.res.Encrypted || out.res.TriedAuthentication {
						t.Fatalf("result %+v", out.res)
					}
					if out.acc.Authenticated || out.acc.Identity.FQU() != UnauthenticatedUser {
						t.Fatalf("accepted %+v", out.acc)
					}
				}
			})
		}
	}
}

// TestMethods covers CLAIMTOBE, ANONYMOUS and no authentication, and the
// server's choice of the first method of its own list (pitfall 18).
func TestMethods(t *testing.T) {
	required := knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_DEFAULT_ENCRYPTION": "REQUIRED"}
	cases := []struct {
		name       string
		clientList string
		serverList string
		clientM    []auth.Client
		wantMethod string
		wantUser   string
		wantErr    string
	}{
		{"claimtobe", "CLAIMTOBE", "CLAIMTOBE", nil, "CLAIMTOBE", "alice@example.net", ""},
		{"anonymous", "ANONYMOUS", "ANONYMOUS", nil, "ANONYMOUS", "CONDOR_ANONYMOUS_USER", ""},
		{"server order wins", "CLAIMTOBE,ANONYMOUS", "ANONYMOUS,CLAIMTOBE", nil, "ANONYMOUS", "CONDOR_ANONYMOUS_USER", ""},
		{"server order wins 2", "ANONYMOUS,CLAIMTOBE", "CLAIMTOBE,ANONYMOUS", nil, "CLAIMTOBE", "alice@example.net", ""},
		{"idtokens spelling", "IDTOKENS", "TOKENS", []auth.Client{tokenClient{}}, "IDTOKENS", "alice@example.net", ""},
		{"no common method", "CLAIMTOBE", "ANONYMOUS", nil, "", "", "SECMAN:2005:Protocol Error: No auth methods."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ck := recommendedClient()
			ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = tc.clientList
			sk := knobs{"SEC_DEFAULT_AUTHENTICATION_METHODS": tc.serverList}
			for k, v := range required {
				sk[k] = v
			}
			c := newTestClient(t, ck, tc.clientM...)
			srv := newTestServer(t, sk, claimServer(), anonymous.Server{}, tokenServer{})
			out := loopback(t, c, srv, Request{Command: cmdWrite}, nil, nil)
			if tc.wantErr != "" {
				if errText(out.err) != tc.wantErr {
					t.Fatalf("error %q, want %q", errText(out.err), tc.wantErr)
				}
				return
			}
			if out.err != nil || out.srvErr != nil {
				t.Fatalf("client %v / server %v", out.err, out.srvErr)
			}
			if out.res.Method != tc.wantMethod || out.res.MyIdentity != tc.wantUser {
				t.Fatalf("method %q user %q, want %q %q", out.res.Method, out.res.MyIdentity, tc.wantMethod, tc.wantUser)
			}
		})
	}
}

// TestMethodRetry: the server's first choice fails cleanly, the client
// drops it and the second method succeeds on the same connection (§4.6).
func TestMethodRetry(t *testing.T) {
	ck := recommendedClient()
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "FS,CLAIMTOBE"
	sk := knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_DEFAULT_AUTHENTICATION_METHODS": "FS,CLAIMTOBE"}
	var notes []string
	c := newTestClient(t, ck, failMethod{"FS"}, claimClient("bob"))
	c.Explain = func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }
	srv := newTestServer(t, sk, failServer{"FS"}, claimServer())
	cf, sf := payloadRoundTrip(t)
	out := loopback(t, c, srv, Request{Command: cmdWrite}, cf, sf)
	if out.err != nil || out.srvErr != nil {
		t.Fatalf("client %v / server %v", out.err, out.srvErr)
	}
	if out.res.Method != "CLAIMTOBE" || out.res.MyIdentity != "bob@example.net" {
		t.Fatalf("result %+v", out.res)
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{"sending the method bitmask 6 (FS,CLAIMTOBE)", "the server chose FS (bit 4)", "FS failed", "sending the method bitmask 2 (CLAIMTOBE)", "authenticated with CLAIMTOBE"} {
		if !strings.Contains(joined, want) {
			t.Errorf("explain notes lack %q:\n%s", want, joined)
		}
	}
}

// TestAllMethodsFail: required authentication with only failing methods
// gives the C++ chain (real-tools.md PG9 shape); optional authentication
// continues unauthenticated.
func TestAllMethodsFail(t *testing.T) {
	ck := recommendedClient()
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "FS,SSL"
	sk := knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_DEFAULT_AUTHENTICATION_METHODS": "SSL,FS"}
	c := newTestClient(t, ck, failMethod{"FS"}, failMethod{"SSL"})
	srv := newTestServer(t, sk, failServer{"FS"}, failServer{"SSL"})
	out := loopback(t, c, srv, Request{Command: cmdWrite}, nil, nil)
	want := "AUTHENTICATE:1003:Failed to authenticate with any method|AUTHENTICATE:1004:Failed to authenticate using FS|AUTHENTICATE:1004:Failed to authenticate using SSL"
	if errText(out.err) != want || !errors.Is(out.err, ErrAuthenticationFailed) {
		t.Fatalf("error %q, want %q", errText(out.err), want)
	}
	if !errors.Is(out.srvErr, ErrRejected) {
		t.Fatalf("server error %v", out.srvErr)
	}

	// Optional on both sides (PREFERRED server): continue unauthenticated.
	sk["SEC_DEFAULT_AUTHENTICATION"] = "PREFERRED"
	srv = newTestServer(t, sk, failServer{"FS"}, failServer{"SSL"})
	out = loopback(t, c, srv, Request{Command: cmdWrite}, nil, nil)
	if out.err != nil || out.srvErr != nil {
		t.Fatalf("client %v / server %v", out.err, out.srvErr)
	}
	if out.res.Method != "" || !out.res.TriedAuthentication || out.res.MyIdentity != UnauthenticatedUser || !out.res.Encrypted {
		t.Fatalf("result %+v", out.res)
	}
	if got, _ := out.res.PostAuth.GetBool(AttrTriedAuthentication); !got {
		t.Fatal("post-auth ad lacks TriedAuthentication = true")
	}
}

// TestDenied: the post-auth ad says DENIED → ErrDenied with the C++ text
// (real-tools.md PG4, AA6).
func TestDenied(t *testing.T) {
	ck := recommendedClient()
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "CLAIMTOBE"
	srv := newTestServer(t, knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_READ_AUTHENTICATION": "OPTIONAL"})
	srv.Authorize = func(r *AuthzRequest) (bool, string) { return false, "not in ALLOW_WRITE" }
	out := loopback(t, newTestClient(t, ck), srv, Request{Command: cmdWrite}, nil, nil)
	want := `SECMAN:2010:Received "DENIED" from server for user alice@example.net using method CLAIMTOBE.`
	if errText(out.err) != want || !errors.Is(out.err, ErrDenied) {
		t.Fatalf("error %q, want %q", errText(out.err), want)
	}
	if !errors.Is(out.srvErr, ErrNotAuthorized) || !strings.Contains(out.srvErr.Error(), "not in ALLOW_WRITE") {
		t.Fatalf("server error %v", out.srvErr)
	}

	// Without authentication the text names host-based security.
	out = loopback(t, newTestClient(t, recommendedClient()), srv, Request{Command: cmdRead}, nil, nil)
	want = `SECMAN:2010:Received "DENIED" from server for user unauthenticated@unmapped using no authentication method, which may imply host-based security.  Our address was '127.0.0.1', and server's address was '127.0.0.1'.  Check your ALLOW settings and IP protocols.`
	if errText(out.err) != want {
		t.Fatalf("error %q, want %q", errText(out.err), want)
	}
}

// TestUnknownCommand: the server closes without a reply (§4.2).
func TestUnknownCommand(t *testing.T) {
	out := loopback(t, newTestClient(t, recommendedClient()), newTestServer(t, knobs{}), Request{Command: 4711}, nil, nil)
	if !errors.Is(out.err, ErrCommandRejected) || !errors.Is(out.srvErr, ErrRejected) || !strings.Contains(out.srvErr.Error(), "command 4711 is not registered") {
		t.Fatalf("client %v / server %v", out.err, out.srvErr)
	}
}

// TestSecQuery: DC_SEC_QUERY gets the extra ad with AuthorizationSucceeded
// and the AuthToken* attributes (cedar.md §4.11, ping_idtoken.json).
func TestSecQuery(t *testing.T) {
	ck := recommendedClient()
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "TOKEN"
	pol := map[string]any{"AuthTokenSubject": "alice@example.net", "AuthTokenIssuer": "example.net",
		"AuthTokenId": "7d22a039180d81f96b1a310f6aef4ac5", "TokenExpirationTime": int64(5), "LimitAuthorization": "WRITE"}
	srv := newTestServer(t, knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_DEFAULT_AUTHENTICATION_METHODS": "TOKEN"}, tokenServer{pol})
	var authzCmd int
	srv.Authorize = func(r *AuthzRequest) (bool, string) { authzCmd = r.Command; return true, "ok" }
	out := loopback(t, newTestClient(t, ck, tokenClient{}), srv, Request{Command: DCSecQuery, AuthCommand: cmdWrite}, nil, nil)
	if out.err != nil || out.srvErr != nil {
		t.Fatalf("client %v / server %v", out.err, out.srvErr)
	}
	if !out.acc.Handled || authzCmd != cmdWrite {
		t.Fatalf("accepted %+v, authorized command %d", out.acc, authzCmd)
	}
	want := []string{`AuthTokenId = "7d22a039180d81f96b1a310f6aef4ac5"`, `AuthTokenIssuer = "example.net"`,
		`AuthTokenSubject = "alice@example.net"`, `AuthorizationSucceeded = true`}
	if d := cmp.Diff(want, out.res.SecQuery.AssignmentLines(classad.InsertionOrder)); d != "" {
		t.Errorf("DC_SEC_QUERY answer (-want +got):\n%s", d)
	}
	if out.res.Method != "IDTOKENS" || out.res.AuthMethodsList != "TOKEN" {
		t.Errorf("method %q list %q", out.res.Method, out.res.AuthMethodsList)
	}
}

// TestContextCancel: cancelling the context (or its deadline) ends a
// handshake stuck on a silent server, and the error says why.
func TestContextCancel(t *testing.T) {
	addr := testutil.SilentPeer(t)
	c := newTestClient(t, recommendedClient())
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.Dial(ctx, "tcp", addr, Request{Command: cmdWrite}, nil)
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(errText(err), "SECMAN:2007:") {
		t.Fatalf("cancelled: %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Dial(ctx, "tcp", addr, Request{Command: cmdWrite}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: %v", err)
	}
	c.Timeout = 50 * time.Millisecond
	_, err = c.Dial(context.Background(), "tcp", addr, Request{Command: cmdWrite}, nil)
	if err == nil || !strings.Contains(err.Error(), "SECMAN:2007:Read failure during security negotiation.") {
		t.Fatalf("Client.Timeout: %v", err)
	}
}

// TestDCAuthenticateOnly: Command DC_AUTHENTICATE with an AuthCommand only
// creates a session (cedar.md §4.11); the server runs no handler.
func TestDCAuthenticateOnly(t *testing.T) {
	ck := recommendedClient()
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "CLAIMTOBE"
	c := newTestClient(t, ck)
	c.Sessions = NewSessionCache(0)
	out := loopback(t, c, newTestServer(t, knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED"}), Request{Command: DCAuthenticate, AuthCommand: cmdWrite}, nil, nil)
	if out.err != nil || out.srvErr != nil || !out.acc.Handled || out.acc.Command != DCAuthenticate || out.acc.Info.Perm != PermWrite {
		t.Fatalf("client %v / server %v / %+v", out.err, out.srvErr, out.acc)
	}
	if _, ok := c.Sessions.Lookup(out.res.Stream.RemoteAddr().String(), cmdWrite, time.Now()); ok {
		t.Error("session cached under the bare address instead of the sinful")
	}
	if _, ok := c.Sessions.Lookup("<"+out.res.Stream.RemoteAddr().String()+">", cmdWrite, time.Now()); !ok {
		t.Error("session not cached for the AuthCommand's level")
	}
}

func TestInvalidClientPolicy(t *testing.T) {
	c := newTestClient(t, knobs{"SEC_CLIENT_AUTHENTICATION": "REQUIRED", "SEC_CLIENT_AUTHENTICATION_METHODS": "KERBEROS"})
	conn := transcript.NewConn(nil)
	s, _ := cedar.NewStream(conn, nil)
	_, err := c.StartCommand(context.Background(), s, Request{Command: cmdWrite})
	if errText(err) != "SECMAN:2002:Configuration Problem: The security policy is invalid." || !errors.Is(err, ErrPolicy) {
		t.Fatalf("error %v", err)
	}
	if len(conn.Written()) != 0 {
		t.Error("an invalid policy still sent something")
	}
}

// unusableServer is a method that reports itself unusable (SSL without a
// host certificate).
type unusableServer struct{ failServer }

func (unusableServer) Usable() (bool, string) { return false, "no host certificate" }

func TestServerUsable(t *testing.T) {
	ck := recommendedClient()
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "SSL,CLAIMTOBE"
	srv := newTestServer(t, knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_DEFAULT_AUTHENTICATION_METHODS": "SSL,CLAIMTOBE"},
		unusableServer{failServer{"SSL"}}, claimServer())
	out := loopback(t, newTestClient(t, ck, failMethod{"SSL"}, claimClient("alice")), srv, Request{Command: cmdWrite}, nil, nil)
	if out.err != nil || out.res.AuthMethodsList != "CLAIMTOBE" || out.res.Method != "CLAIMTOBE" {
		t.Fatalf("%v / %+v", out.err, out.res)
	}
}
