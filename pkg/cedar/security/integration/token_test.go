package integration

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// notes collects Explain notes from concurrent handshakes.
type notes struct {
	mu   sync.Mutex
	list []string
}

func (n *notes) add(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, fmt.Sprintf(format, args...))
}

// find returns the first note containing every part, or "".
func (n *notes) find(parts ...string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
next:
	for _, s := range n.list {
		for _, p := range parts {
			if !strings.Contains(s, p) {
				continue next
			}
		}
		return s
	}
	return ""
}

func (n *notes) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.list, "\n")
}

// explained starts a server whose handshake notes go to the returned
// collector.
func (p *pool) explained(t testing.TB, extra string) (*server, *notes) {
	t.Helper()
	n := &notes{}
	return p.startServer(t, extra, func(c *daemon.Config) { c.Security.Explain = n.add }), n
}

// TestTokenScope: a token limited to READ (condor_token_create -authz
// READ) runs a READ command and is denied a WRITE command, although
// ALLOW_WRITE = * (tokens.md §1.3, §4.5).
func TestTokenScope(t *testing.T) {
	p := newPool(t)
	p.replaceTokens(t, mint(t, p.keys, idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Authz: []string{"READ"}, Lifetime: 3600}))
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED", nil)
	c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{})

	o := srv.run(t, c, cmdRead)
	if o.err != nil || o.reply != tokenUser+"|IDTOKENS|true" {
		t.Fatalf("READ with a READ token: %q, %v", o.reply, o.err)
	}
	if !strings.Contains(o.entry.Reason, "READ granted") {
		t.Errorf("READ log %v", o.entry)
	}

	o = srv.run(t, c, cmdWrite)
	const want = `SECMAN:2010:Received "DENIED" from server for user alice@example.net using method IDTOKENS.`
	if errText(o.err) != want {
		t.Fatalf("WRITE with a READ token: %q, want %q", errText(o.err), want)
	}
	if o.entry.Result != daemon.ResultDenied || !strings.Contains(o.entry.Reason, "the session is limited to READ") {
		t.Errorf("WRITE log %v, want DENIED for the token's scope", o.entry)
	}

	// WRITE implies READ; ADMINISTRATOR is beyond it.
	p.replaceTokens(t, mint(t, p.keys, idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Authz: []string{"WRITE"}, Lifetime: 3600}))
	for cmd, ok := range map[int]bool{cmdRead: true, cmdWrite: true, cmdAdmin: false} {
		o := srv.run(t, c, cmd)
		if (o.err == nil) != ok {
			t.Errorf("WRITE token, command %d: %v, want allowed=%v", cmd, o.err, ok)
		}
	}
}

func mint(t testing.TB, kc idtoken.KeyConfig, o idtoken.MintOptions) string {
	t.Helper()
	tok, err := kc.Create(o)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// otherKeys is a second pool's signing keys (POOL and OTHER), unknown to
// the test daemon.
func otherKeys(t testing.TB) idtoken.KeyConfig {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"POOL", "OTHER"} {
		if _, err := idtoken.CreatePoolKey(filepath.Join(dir, name), nil); err != nil {
			t.Fatal(err)
		}
	}
	return idtoken.KeyConfig{PoolKeyFile: filepath.Join(dir, "POOL"), PasswordDir: dir, Uid: -1}
}

// Client texts of a failed authentication (real-tools.md §10, block PG9:
// an expired or badly signed token).
const (
	textNoMethod     = "AUTHENTICATE:1003:Failed to authenticate with any method"
	textTokenRefused = textNoMethod + "|AUTHENTICATE:1004:Failed to authenticate using IDTOKENS"
)

// TestTokenRefused: tokens the server refuses. The client cannot tell why
// (AKEP2 only says "no"); the server's notes name the cause. With
// authentication REQUIRED the command fails with HTCondor's chain; with
// CLAIMTOBE offered next the client falls back to it on the same
// connection (cedar.md §4.6 step 4).
func TestTokenRefused(t *testing.T) {
	p := newPool(t)
	other := otherKeys(t)
	now := time.Now()
	cases := []struct {
		name   string
		token  string
		server string // extra server configuration
		cause  string // in the server's notes
	}{
		{"wrong key", mint(t, other, idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Lifetime: 3600}), "",
			`not signed with signing key "POOL" here`},
		{"expired", mint(t, p.keys, idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Lifetime: 60, Now: now.Add(-time.Hour)}), "",
			"token expired at"},
		{"revoked", mint(t, p.keys, idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Lifetime: 3600, Jti: "0badc0de0badc0de0badc0de0badc0de"}),
			`SEC_TOKEN_REVOCATION_EXPR = jti == "0badc0de0badc0de0badc0de0badc0de"`,
			"revoked by SEC_TOKEN_REVOCATION_EXPR"},
		{"too old", mint(t, p.keys, idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Lifetime: -1, Now: now.Add(-time.Hour)}),
			"SEC_TOKEN_MAX_AGE = 600",
			"SEC_TOKEN_MAX_AGE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p.replaceTokens(t, tc.token)
			srv, n := p.explained(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED\n"+tc.server)

			c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{})
			o := srv.run(t, c, cmdWrite)
			got := errText(o.err)
			if got != textTokenRefused || !errorsIs(o.err, security.ErrAuthenticationFailed) {
				t.Errorf("client error %q, want %q", got, textTokenRefused)
			}
			if note := n.find("TOKEN authentication failed", tc.cause); note == "" {
				t.Errorf("no server note names %q:\n%s", tc.cause, n)
			}
			if o.entry.Result != daemon.ResultRejected {
				t.Errorf("server log %v, want REJECTED", o.entry)
			}
			if sig := tc.token[strings.LastIndexByte(tc.token, '.')+1:]; strings.Contains(got, sig) || strings.Contains(n.String(), sig) {
				t.Error("an error or note reveals the token's signature")
			}

			// Falling back to the next method on the same connection.
			c = p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS,CLAIMTOBE", clientOpts{})
			o = srv.run(t, c, cmdWrite)
			want := claimUser + "@" + trustDomain
			if o.err != nil || o.res.MyIdentity != want || o.res.Method != "CLAIMTOBE" || o.reply != want+"|CLAIMTOBE|true" {
				t.Fatalf("fallback: %v, %q; want %s by CLAIMTOBE", o.err, o.reply, want)
			}
		})
	}
}

// TestTokenRefusedOptional: with authentication only PREFERRED on both
// sides (AuthRequired = false) a refused token leaves the client
// unauthenticated but the command still runs (cedar.md §4.6).
func TestTokenRefusedOptional(t *testing.T) {
	p := newPool(t)
	p.replaceTokens(t, mint(t, otherKeys(t), idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Lifetime: 3600}))
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = PREFERRED", nil)
	c := p.client(t, "SEC_CLIENT_AUTHENTICATION = PREFERRED\nSEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{})
	o := srv.run(t, c, cmdWrite)
	if o.err != nil {
		t.Fatal(o.err)
	}
	if o.res.MyIdentity != security.UnauthenticatedUser || o.res.Method != "" || !o.res.TriedAuthentication || !o.res.Encrypted {
		t.Errorf("result %+v, want unauthenticated after trying, encrypted", o.res)
	}
	if o.reply != security.UnauthenticatedUser+"||true" {
		t.Errorf("server saw %q", o.reply)
	}
}

// TestTokenUnknownKid: a token signed with a key the server does not have.
// A server that advertises its keys (IssuerKeys = "POOL") makes the client
// leave the token out (tokens.md §7); a server that advertises none gets
// the token and refuses it, naming the unknown key.
func TestTokenUnknownKid(t *testing.T) {
	p := newPool(t)
	p.replaceTokens(t, mint(t, otherKeys(t), idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, KeyID: "OTHER", Lifetime: 3600}))

	srv, _ := p.explained(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED")
	cn := &notes{}
	c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{})
	c.Explain = cn.add
	o := srv.run(t, c, cmdWrite)
	if got := errText(o.err); got != textNoMethod {
		t.Errorf("client error %q", got)
	}
	if cn.find("TOKEN: skipped", `"OTHER"`) == "" && cn.find("method TOKEN: left out") == "" {
		t.Errorf("the client's notes do not say why the token was left out:\n%s", cn)
	}

	n := &notes{}
	blind := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED", func(dc *daemon.Config) {
		dc.Security.Explain = n.add
		for _, pol := range dc.Security.Policies {
			pol.IssuerKeys = nil
		}
	})
	o = blind.run(t, c, cmdWrite)
	if got := errText(o.err); got != textTokenRefused {
		t.Errorf("client error %q", got)
	}
	if n.find("TOKEN authentication failed", `unknown signing key "OTHER"`) == "" {
		t.Errorf("no server note names the unknown key:\n%s", n)
	}
}

// TestTokenMinted: a tool that holds a copy of the pool's signing key but
// no token mints a 60-second token for condor@password (cedar.md §5.2;
// acceptance AP-2); with a different key file it fails (AP-4); a valid
// token in the token directory is preferred to minting, so it works even
// with a wrong local key (AP-7).
func TestTokenMinted(t *testing.T) {
	p := newPool(t)
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED", nil)
	wrongKey := filepath.Join(t.TempDir(), "POOL")
	if err := idtoken.WriteKeyFile(wrongKey, []byte("wrong password file\n")); err != nil {
		t.Fatal(err)
	}
	const wrong = "SEC_TOKEN_POOL_SIGNING_KEY_FILE = "
	cases := []struct {
		name     string
		tokens   bool   // keep the token directory's token
		extra    string // client configuration
		identity string // "" = failure
	}{
		{"minted with the pool key", false, "", "condor@password"},
		{"wrong local key", false, wrong + wrongKey, ""},
		{"token preferred to minting", true, wrong + wrongKey, tokenUser},
	}
	tok := mint(t, p.keys, idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Lifetime: 3600})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.tokens {
				p.replaceTokens(t, tok)
			} else {
				p.replaceTokens(t)
			}
			c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS\n"+tc.extra, clientOpts{mintKeys: true})
			o := srv.run(t, c, cmdWrite)
			if tc.identity == "" {
				if errText(o.err) != textTokenRefused {
					t.Errorf("client error %q, want %q", errText(o.err), textTokenRefused)
				}
				return
			}
			if o.err != nil || o.reply != tc.identity+"|IDTOKENS|true" {
				t.Errorf("%q, %v; want %s", o.reply, o.err, tc.identity)
			}
		})
	}
}
