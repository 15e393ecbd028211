package integration

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/ssl"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// TestServerPreferenceOrder: the server picks the first method of its own
// list that the client offers, whatever the client's order (cedar.md §4.6
// step 2); AuthMethodsList is the intersection in the server's order,
// spelled as the client spelled it (TOKEN on the wire, pitfall 7).
func TestServerPreferenceOrder(t *testing.T) {
	p := newPool(t)
	cases := []struct {
		server, client string
		list, method   string
		identity       string
	}{
		{allMethods, "ANONYMOUS,CLAIMTOBE,IDTOKENS,FS", "FS,TOKEN,CLAIMTOBE,ANONYMOUS", "FS", fsUser(t)},
		{allMethods, "ANONYMOUS,CLAIMTOBE,IDTOKENS", "TOKEN,CLAIMTOBE,ANONYMOUS", "IDTOKENS", tokenUser},
		{"ANONYMOUS,CLAIMTOBE,IDTOKENS", "IDTOKENS,CLAIMTOBE,ANONYMOUS", "ANONYMOUS,CLAIMTOBE,TOKEN", "ANONYMOUS", "CONDOR_ANONYMOUS_USER"},
		{"CLAIMTOBE,TOKENS,FS", "FS,SSL,TOKEN", "TOKEN,FS", "IDTOKENS", tokenUser},
	}
	for _, tc := range cases {
		t.Run(tc.server+"/"+tc.client, func(t *testing.T) {
			srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED\nSEC_DEFAULT_AUTHENTICATION_METHODS = "+tc.server, nil)
			o := srv.run(t, p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = "+tc.client, clientOpts{}), cmdWrite)
			if o.err != nil {
				t.Fatal(o.err)
			}
			if o.res.AuthMethodsList != tc.list || o.res.Method != tc.method || o.res.MyIdentity != tc.identity {
				t.Errorf("list %q, method %s, identity %s; want %q, %s, %s", o.res.AuthMethodsList, o.res.Method, o.res.MyIdentity, tc.list, tc.method, tc.identity)
			}
		})
	}
}

// TestNoCommonMethod: authentication is agreed but the two method lists
// do not meet. The server answers with an empty AuthMethodsList and
// closes; the client fails early with C++'s "no auth method" error, even
// when authentication was only PREFERRED (cedar.md §4.6).
func TestNoCommonMethod(t *testing.T) {
	p := newPool(t)
	for _, lv := range []string{"REQUIRED", "PREFERRED"} {
		t.Run(lv, func(t *testing.T) {
			srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = "+lv+"\nSEC_DEFAULT_AUTHENTICATION_METHODS = FS", nil)
			c := p.client(t, "SEC_CLIENT_AUTHENTICATION = "+lv+"\nSEC_CLIENT_AUTHENTICATION_METHODS = CLAIMTOBE", clientOpts{})
			o := srv.run(t, c, cmdWrite)
			const want = "SECMAN:2005:Protocol Error: No auth methods."
			if errText(o.err) != want || !errors.Is(o.err, security.ErrProtocol) {
				t.Errorf("client error %q, want %q", errText(o.err), want)
			}
			if o.entry.Result != daemon.ResultRejected || !strings.Contains(errText(o.entry.Err), `no method in common (client offered "CLAIMTOBE")`) {
				t.Errorf("server log %v", o.entry)
			}
		})
	}
}

// TestSSLClientCertificate: with AUTH_SSL_REQUIRE_CLIENT_CERTIFICATE a
// client without a certificate fails SSL (the server says why in its
// notes) and falls back to the next method; with a certificate it is
// ssl@unmapped.
func TestSSLClientCertificate(t *testing.T) {
	p := newPool(t)
	srv, n := p.explained(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED\nAUTH_SSL_REQUIRE_CLIENT_CERTIFICATE = true")
	o := srv.run(t, p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = SSL", clientOpts{noClientCert: true}), cmdWrite)
	if want := textNoMethod + "|AUTHENTICATE:1004:Failed to authenticate using SSL"; errText(o.err) != want {
		t.Errorf("client error %q, want %q", errText(o.err), want)
	}
	if n.find("SSL authentication failed", "no certificate", "AUTH_SSL_REQUIRE_CLIENT_CERTIFICATE") == "" {
		t.Errorf("no server note names the missing certificate:\n%s", n)
	}
	o = srv.run(t, p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = SSL,CLAIMTOBE", clientOpts{noClientCert: true}), cmdWrite)
	if o.err != nil || o.reply != claimUser+"@"+trustDomain+"|CLAIMTOBE|true" {
		t.Errorf("fallback after SSL: %q, %v", o.reply, o.err)
	}
	o = srv.run(t, p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = SSL", clientOpts{}), cmdWrite)
	if o.err != nil || o.reply != "ssl@unmapped|SSL|true" {
		t.Errorf("with a certificate: %q, %v", o.reply, o.err)
	}
}

// TestSSLUntrustedServer: a client that trusts another CA refuses the
// server's certificate (no known_hosts, no prompt); the server's notes
// say the client gave up on the TLS handshake.
func TestSSLUntrustedServer(t *testing.T) {
	p := newPool(t)
	other := ssl.DefaultBootstrapConfig(filepath.Join(t.TempDir(), "etc"), "other.example", "")
	other.CertFile, other.KeyFile = "", ""
	if _, err := ssl.Bootstrap(other); err != nil {
		t.Fatal(err)
	}
	srv, n := p.explained(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED")
	c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = SSL\nAUTH_SSL_CLIENT_CAFILE = "+other.CAFile, clientOpts{noClientCert: true})
	o := srv.run(t, c, cmdWrite)
	if want := textNoMethod + "|AUTHENTICATE:1004:Failed to authenticate using SSL"; errText(o.err) != want {
		t.Errorf("client error %q, want %q", errText(o.err), want)
	}
	if n.find("SSL authentication failed", "does not trust this server's certificate") == "" {
		t.Errorf("no server note on the refused certificate:\n%s", n)
	}
}

// TestSecQueryToken: DC_SEC_QUERY (condor_ping) for a WRITE command over
// TOKEN: no handler runs; after the post-auth ad the server sends
// AuthorizationSucceeded and the AuthToken* attributes of the token
// (cedar.md §4.11).
func TestSecQueryToken(t *testing.T) {
	p := newPool(t)
	const jti = "00112233445566778899aabbccddeeff"
	p.replaceTokens(t, mint(t, p.keys, idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Jti: jti, Lifetime: -1}))
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED", nil)
	c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := len(srv.log())
	r, err := c.Dial(ctx, "tcp", srv.addr, security.Request{Command: security.DCSecQuery, AuthCommand: cmdWrite}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stream.Close()
	if r.SecQuery == nil {
		t.Fatal("no DC_SEC_QUERY answer")
	}
	if r.TrustDomain != trustDomain || strings.Join(r.IssuerKeys, ",") != "POOL" || r.Method != "IDTOKENS" || r.MyIdentity != tokenUser {
		t.Errorf("result: trust domain %q, issuer keys %q, method %s, identity %s", r.TrustDomain, r.IssuerKeys, r.Method, r.MyIdentity)
	}
	got := strings.Join(r.SecQuery.AssignmentLines(classad.InsertionOrder), "\n")
	for _, want := range []string{`AuthorizationSucceeded = true`, `AuthTokenSubject = "alice@example.net"`,
		`AuthTokenIssuer = "example.net"`, `AuthTokenId = "` + jti + `"`} {
		if !strings.Contains(got, want) {
			t.Errorf("answer lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "TokenExpirationTime") {
		t.Errorf("answer has TokenExpirationTime:\n%s", got)
	}
	if e := srv.waitLog(t, before+1)[before]; e.Result != daemon.ResultAuthorized || e.Command != security.DCSecQuery {
		t.Errorf("server log %v", e)
	}
}

// TestResumption: a second command on a cached session carries the
// identity and method of the first without authenticating again; a
// session the server no longer knows is renegotiated on a new connection
// (SID_NOT_FOUND, cedar.md §4.12); a command outside the session's
// ValidCommands negotiates a new session, to which the token's scope
// applies.
func TestResumption(t *testing.T) {
	p := newPool(t)
	p.replaceTokens(t, mint(t, p.keys, idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Authz: []string{"READ"}, Lifetime: 3600}))
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED", nil)
	c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{})
	c.Sessions = security.NewSessionCache(0)

	first := srv.run(t, c, cmdRead)
	if first.err != nil || first.res.Resumed {
		t.Fatalf("first command: %v (resumed %v)", first.err, first.res != nil && first.res.Resumed)
	}
	for i := range 2 {
		o := srv.run(t, c, cmdRead)
		if o.err != nil || !o.res.Resumed || o.res.SessionID != first.res.SessionID {
			t.Fatalf("command %d: %v, want a resumed session %s", i+2, o.err, first.res.SessionID)
		}
		if o.reply != tokenUser+"|IDTOKENS|true" || !o.entry.Resumed || o.entry.Session != first.res.SessionID {
			t.Errorf("resumed command: server saw %q, log %v", o.reply, o.entry)
		}
	}

	srv.srv.Sessions().Invalidate(first.res.SessionID)
	o := srv.run(t, c, cmdRead)
	if o.err != nil || o.res.Resumed || o.res.SessionID == first.res.SessionID || o.reply != tokenUser+"|IDTOKENS|true" {
		t.Fatalf("after the server forgot the session: %v, resumed %v, session %s", o.err, o.res != nil && o.res.Resumed, o.entry.Session)
	}
	// The rejected resume attempt is logged. Connections log when they
	// end, so entries of consecutive connections may arrive in either
	// order and a little after the client returns: wait (bounded) for it.
	rejected := false
	for deadline := time.Now().Add(5 * time.Second); !rejected && time.Now().Before(deadline); {
		for _, e := range srv.log() {
			if e.Result == daemon.ResultRejected && e.Session == first.res.SessionID {
				rejected = true
			}
		}
		if !rejected {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !rejected {
		t.Errorf("no REJECTED log entry for the stale resume of %s: %v", first.res.SessionID, srv.log())
	}

	o = srv.run(t, c, cmdWrite)
	if want := fmt.Sprintf(`SECMAN:2010:Received "DENIED" from server for user %s using method IDTOKENS.`, tokenUser); errText(o.err) != want {
		t.Errorf("WRITE with the READ token: %q, want %q", errText(o.err), want)
	}
}

// TestEncryptionLevels runs the reconcile table for encryption
// (SEC_CLIENT_ENCRYPTION against SEC_DEFAULT_ENCRYPTION) with
// authentication left OPTIONAL on both sides, so no method runs: FAIL
// closes the connection; otherwise the stream is AES-encrypted whatever
// the decision says, because both sides always exchange ECDH keys for a
// new session (cedar.md §4.8, §4.9, pitfall 11), and Encryption reports
// the decision.
func TestEncryptionLevels(t *testing.T) {
	p := newPool(t)
	servers := map[security.Level]*server{}
	for _, sl := range levels {
		servers[sl] = p.startServer(t, "SEC_DEFAULT_ENCRYPTION = "+sl.String(), nil)
	}
	for _, cl := range levels {
		c := p.client(t, "SEC_CLIENT_ENCRYPTION = "+cl.String()+"\nSEC_CLIENT_AUTHENTICATION_METHODS = CLAIMTOBE", clientOpts{})
		for _, sl := range levels {
			t.Run(fmt.Sprintf("client=%s/server=%s", cl, sl), func(t *testing.T) {
				o := servers[sl].run(t, c, cmdRead)
				d := security.Reconcile(cl, sl)
				if d == security.Fail {
					if errText(o.err) != textClosed {
						t.Errorf("client error %q, want %q", errText(o.err), textClosed)
					}
					return
				}
				if o.err != nil {
					t.Fatal(o.err)
				}
				if !o.res.Encrypted || o.res.Encryption != (d == security.Yes) || o.res.Method != "" {
					t.Errorf("encrypted %v, Encryption %v, method %q; want AES, Encryption %s, no method", o.res.Encrypted, o.res.Encryption, o.res.Method, d)
				}
				if o.reply != security.UnauthenticatedUser+"||true" {
					t.Errorf("server saw %q", o.reply)
				}
			})
		}
	}
}

// TestForceAuthentication: a command registered with
// force_authentication needs a mapped identity (cedar.md §4.10): it makes
// the server's authentication REQUIRED (a client at NEVER cannot
// reconcile), and after an authentication that maps nobody (ANONYMOUS,
// SSL without a certificate) the server closes the connection instead of
// sending the post-auth ad.
func TestForceAuthentication(t *testing.T) {
	p := newPool(t)
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = OPTIONAL", nil)
	const noPostAuth = "SECMAN:2007:Failed to received post-auth ClassAd" // sic, condor_secman.cpp
	cases := []struct {
		client, want, identity string
	}{
		{"SEC_CLIENT_AUTHENTICATION_METHODS = ANONYMOUS", noPostAuth, "CONDOR_ANONYMOUS_USER"},
		{"SEC_CLIENT_AUTHENTICATION_METHODS = SSL", noPostAuth, security.UnauthenticatedUser},
		{"SEC_CLIENT_AUTHENTICATION = NEVER", textClosed, security.UnauthenticatedUser},
		{"SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", "", tokenUser},
		{"SEC_CLIENT_AUTHENTICATION_METHODS = CLAIMTOBE", "", claimUser + "@" + trustDomain},
	}
	for _, tc := range cases {
		t.Run(tc.client, func(t *testing.T) {
			o := srv.run(t, p.client(t, tc.client, clientOpts{noClientCert: true}), cmdForce)
			if errText(o.err) != tc.want {
				t.Fatalf("client error %q, want %q", errText(o.err), tc.want)
			}
			if tc.want == "" {
				if !strings.HasPrefix(o.reply, tc.identity+"|") || o.entry.Result != daemon.ResultAuthorized {
					t.Errorf("server saw %q, log %v", o.reply, o.entry)
				}
				return
			}
			if o.entry.Result != daemon.ResultRejected {
				t.Errorf("server log %v, want REJECTED", o.entry)
			}
			if tc.want == noPostAuth && !strings.Contains(errText(o.entry.Err), `requires a mapped identity, got "`+tc.identity+`"`) {
				t.Errorf("server log %v does not name the unmapped identity %s", o.entry, tc.identity)
			}
		})
	}
}
