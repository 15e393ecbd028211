package server

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/ssl"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

var requestIDPattern = regexp.MustCompile(`^[0-9]{7}$`)

// startRequest runs DC_START_TOKEN_REQUEST and returns the request id.
func (f *fixture) startRequest(t testing.TB, c *security.Client, identity, clientID string, authz string, lifetime int) string {
	t.Helper()
	req := ad(t, attrUser, identity, attrClientID, clientID)
	if authz != "" {
		_ = req.SetString(attrLimitAuthorization, authz)
	}
	if lifetime > 0 {
		_ = req.SetInt(attrTokenLifetime, int64(lifetime))
	}
	rep := f.mustCall(t, c, cmdStartTokenRequest, req)
	wantNoError(t, rep)
	id, _ := rep.GetString(attrRequestID)
	if !requestIDPattern.MatchString(id) {
		t.Fatalf("RequestId %q is not 7 digits: %s", id, rep)
	}
	if rep.Has(attrToken) {
		t.Fatalf("request was approved at once: %s", rep)
	}
	return id
}

// finish polls a request once.
func (f *fixture) finish(t testing.TB, c *security.Client, id, clientID string) *classad.Ad {
	t.Helper()
	return f.mustCall(t, c, cmdFinishTokenRequest, ad(t, attrClientID, clientID, attrRequestID, id))
}

// lines renders ads as their wire lines, for comparisons.
func lines(ads []*classad.Ad) [][]string {
	var out [][]string
	for _, a := range ads {
		out = append(out, a.AssignmentLines(classad.FlatMapOrder))
	}
	return out
}

// TestTokenRequestFlow is the flow of token_request_approve.json (RW-12):
// START, LIST, APPROVE, FINISH.
func TestTokenRequestFlow(t *testing.T) {
	f := newFixture(t, "")
	requester := f.tokenClient(t, alice, nil, -1)
	adm := f.tokenClient(t, admin, nil, -1)

	id := f.startRequest(t, requester, bob, "vm-354", "READ", 300)
	if rep := f.finish(t, requester, id, "vm-354"); rep.Len() != 1 || !rep.Has(attrToken) || mustStr(rep, attrToken) != "" {
		t.Fatalf("pending FINISH reply %s, want Token = \"\"", rep)
	}

	ads, term, err := f.list(t, adm, "")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{`ClientId = "vm-354"`, `RequestId = "` + id + `"`, `PeerLocation = "127.0.0.1"`, `TokenLifetime = 300`,
		`RequestedIdentity = "bob@example.net"`, `LimitAuthorization = "READ"`, `AuthenticatedIdentity = "alice@example.net"`}}
	if diff := cmp.Diff(want, lines(ads)); diff != "" {
		t.Errorf("LIST ads (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Owner = 0", "ErrorCode = 0"}, term.AssignmentLines(classad.FlatMapOrder)); diff != "" {
		t.Errorf("LIST terminator (-want +got):\n%s", diff)
	}
	// A filter that is not an integer fails in the terminator (RB-51).
	if ads, term, err := f.list(t, adm, "abc"); err != nil || len(ads) != 0 {
		t.Errorf("LIST -reqid abc: %v %v", lines(ads), err)
	} else {
		wantError(t, term, 2, "Unable to convert request ID to integer.")
	}
	// The filter is compared as a string with the 7-digit id.
	if ads, _, _ := f.list(t, adm, strings.TrimLeft(id, "0")+"0"); len(ads) != 0 {
		t.Errorf("a different id listed %d requests", len(ads))
	}
	if ads, _, _ := f.list(t, adm, id); len(ads) != 1 {
		t.Errorf("LIST -reqid %s gave %d ads", id, len(ads))
	}

	rep := f.mustCall(t, adm, cmdApproveTokenRequest, ad(t, attrClientID, "vm-354", attrRequestID, id))
	if diff := cmp.Diff([]string{"ErrorCode = 0"}, rep.AssignmentLines(classad.FlatMapOrder)); diff != "" {
		t.Errorf("APPROVE reply (-want +got):\n%s", diff)
	}
	if ads, _, _ := f.list(t, adm, ""); len(ads) != 0 {
		t.Errorf("approved request still listed: %v", lines(ads))
	}
	wantError(t, f.mustCall(t, adm, cmdApproveTokenRequest, ad(t, attrClientID, "vm-354", attrRequestID, id)), 5, "Request in incorrect state.")
	wantError(t, f.finish(t, requester, id, "other"), 3, "Client ID is incorrect.")
	rep = f.finish(t, requester, id, "vm-354")
	tok := f.parseToken(t, mustStr(rep, attrToken))
	if diff := cmp.Diff(fetched{Kid: "POOL", Sub: bob, Scope: "condor:/READ", Lifetime: 300}, describe(tok)); diff != "" {
		t.Errorf("token (-want +got):\n%s", diff)
	}
	// One-shot: the token is handed out once.
	wantError(t, f.finish(t, requester, id, "vm-354"), 3, "Request ID is not known.")
}

func mustStr(a *classad.Ad, name string) string {
	s, _ := a.GetString(name)
	return s
}

// TestTokenRequestOverSSLWithoutCertificate: SSL without a client
// certificate is accepted and queued as unauthenticated@unmapped (RW-8,
// pitfall 16); the pool CA and host certificate were bootstrapped.
func TestTokenRequestOverSSLWithoutCertificate(t *testing.T) {
	f := newFixture(t, "")
	ca := f.dir + "/trust_domain_ca.pem"
	c := client(t, "SSL", ssl.NewClient(ssl.Options{ClientCAFile: ca, ClientSkipDefaultCAs: true, HostAlias: "vm"}))
	id := f.startRequest(t, c, bob, "vm-1", "READ", 0)
	ads, _, err := f.list(t, f.tokenClient(t, admin, nil, -1), id)
	if err != nil || len(ads) != 1 {
		t.Fatalf("LIST: %v %v", lines(ads), err)
	}
	if got := mustStr(ads[0], "AuthenticatedIdentity"); got != "unauthenticated@unmapped" {
		t.Errorf("AuthenticatedIdentity = %q", got)
	}
	if ads[0].Has(attrTokenLifetime) {
		t.Errorf("a request without lifetime lists TokenLifetime: %s", ads[0])
	}
	// The session is not mapped: LIST (force_authentication) is refused.
	if _, _, err := f.list(t, c, ""); err == nil {
		t.Errorf("LIST over SSL without certificate succeeded")
	}
}

func TestStartTokenRequestErrors(t *testing.T) {
	f := newFixture(t, "SEC_TOKEN_REQUEST_LIMITS = READ, ADVERTISE_STARTD\nCONDOR_AUTH_TOKEN_REQUEST_MAX = 2\n")
	c := f.tokenClient(t, alice, nil, -1)
	tests := []struct {
		name   string
		client *security.Client
		req    *classad.Ad
		code   int
		msg    string
	}{
		{"no client id", c, ad(t, attrUser, bob), 2, "No client ID provided."},
		{"no identity", c, ad(t, attrClientID, "x"), 2, "No identity request."},
		{"limits eliminate everything", c, ad(t, attrUser, bob, attrClientID, "x", attrLimitAuthorization, "WRITE"), 3,
			"All requested authorizations were eliminated by the SEC_TOKEN_REQUEST_LIMITS setting"},
		{"ANONYMOUS", anonClient(t), ad(t, attrUser, bob, attrClientID, "x"), 7, "Request to server was made using ANONYMOUS or no authentication."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, f.mustCall(t, tc.client, cmdStartTokenRequest, tc.req), tc.code, tc.msg)
		})
	}
	t.Run("pending-request limit", func(t *testing.T) {
		f.startRequest(t, c, bob, "c1", "READ", 0)
		f.startRequest(t, c, bob, "c2", "", 0)
		wantError(t, f.mustCall(t, c, cmdStartTokenRequest, ad(t, attrUser, bob, attrClientID, "c3")), 3, "Too many requests in the system.")
	})
	t.Run("FINISH errors", func(t *testing.T) {
		wantError(t, f.finish(t, c, "9999999", "c1"), 3, "Request ID is not known.")
		wantError(t, f.finish(t, c, "abc", "c1"), 2, "Unable to convert request ID to integer.")
		wantError(t, f.mustCall(t, c, cmdFinishTokenRequest, ad(t, attrRequestID, "1")), 2, "No client ID provided.")
	})
}

func TestTokenRequestDisabled(t *testing.T) {
	f := newFixture(t, "SEC_ENABLE_TOKEN_REQUEST = false\n")
	c := f.tokenClient(t, admin, nil, -1)
	for _, cmd := range []int{cmdStartTokenRequest, cmdFinishTokenRequest, cmdApproveTokenRequest, cmdAutoApproveTokenReqs} {
		wantError(t, f.mustCall(t, c, cmd, ad(t, attrUser, bob, attrClientID, "x", attrRequestID, "1")), 44, "Token request disabled.")
	}
	ads, term, err := f.list(t, c, "")
	if err != nil || len(ads) != 0 {
		t.Fatalf("LIST: %v %v", lines(ads), err)
	}
	wantError(t, term, 44, "Token request disabled.")
}

// TestTokenRequestAuthorization: who may list, approve and install rules
// (tokens.md §3.4-§3.6, §8.2; RB-52).
func TestTokenRequestAuthorization(t *testing.T) {
	f := newFixture(t, "")
	requester := f.tokenClient(t, alice, nil, -1)
	bobC := f.tokenClient(t, bob, nil, -1)
	forAlice := f.startRequest(t, requester, alice, "a", "READ", 0)
	forBob := f.startRequest(t, requester, bob, "b", "READ", 0)

	ads, _, err := f.list(t, bobC, "")
	if err != nil || len(ads) != 1 || mustStr(ads[0], attrRequestID) != forBob {
		t.Fatalf("bob's LIST = %v, %v; want only request %s", lines(ads), err, forBob)
	}
	if ads, _, _ := f.list(t, bobC, forAlice); len(ads) != 0 {
		t.Errorf("bob sees alice's request with a filter")
	}
	wantError(t, f.mustCall(t, bobC, cmdApproveTokenRequest, ad(t, attrClientID, "a", attrRequestID, forAlice)), 6,
		"Insufficient privilege to approve request.")
	wantError(t, f.mustCall(t, bobC, cmdApproveTokenRequest, ad(t, attrClientID, "wrong", attrRequestID, forBob)), 5, "Request unknown.")
	wantError(t, f.mustCall(t, bobC, cmdApproveTokenRequest, ad(t, attrClientID, "b")), 1, "Request ID not provided.")
	// A READ-scoped token may not approve an unbounded request (code 7).
	scoped := f.tokenClient(t, alice, []string{"READ"}, -1)
	unbounded := f.startRequest(t, requester, alice, "u", "", 0)
	wantError(t, f.mustCall(t, scoped, cmdApproveTokenRequest, ad(t, attrClientID, "u", attrRequestID, unbounded)), 7,
		"Insufficient privilege to approve request (scope restricted).")
	// A token that expires may not approve a request without lifetime (8).
	expiring := f.tokenClient(t, alice, nil, 100)
	wantError(t, f.mustCall(t, expiring, cmdApproveTokenRequest, ad(t, attrClientID, "u", attrRequestID, unbounded)), 8,
		"Insufficient privilege to approve request (lifetime).")
	// bob may approve his own.
	wantError(t, f.mustCall(t, bobC, cmdApproveTokenRequest, ad(t, attrClientID, "b", attrRequestID, forBob)), 0, "")

	// Installing a rule needs ADMINISTRATOR: the handshake refuses bob.
	if _, err := f.call(t, bobC, cmdAutoApproveTokenReqs, ad(t, attrSubnet, "127.0.0.0/8", attrLifetime, 60)); !errors.Is(err, security.ErrDenied) {
		t.Errorf("auto-approve by bob: %v, want ErrDenied", err)
	}
	// LIST needs a mapped identity.
	if _, _, err := f.list(t, anonClient(t), ""); err == nil {
		t.Errorf("LIST by ANONYMOUS succeeded")
	}
}

// TestAutoApproval: a rule approves matching pending requests and later
// ones at once (RB-46, RB-47, RB-48).
func TestAutoApproval(t *testing.T) {
	f := newFixture(t, "")
	adm := f.tokenClient(t, admin, nil, -1)
	requester := f.tokenClient(t, alice, nil, -1)
	pending := f.startRequest(t, requester, "condor@example.net", "p", "ADVERTISE_SCHEDD", 0)
	other := f.startRequest(t, requester, bob, "o", "READ", 0)

	wantError(t, f.mustCall(t, adm, cmdAutoApproveTokenReqs, ad(t, attrSubnet, "not a netblock", attrLifetime, 60)), -2,
		"DAEMON:-2:Auto-approval rule netblock invalid.")
	wantError(t, f.mustCall(t, adm, cmdAutoApproveTokenReqs, ad(t, attrSubnet, "127.0.0.0/8", attrLifetime, 0)), -1,
		"DAEMON:-1:Auto-approval rule lifetimes must be greater than zero.")
	rep := f.mustCall(t, adm, cmdAutoApproveTokenReqs, ad(t, attrSubnet, "127.0.0.0/8", attrLifetime, 60))
	if diff := cmp.Diff([]string{"ErrorCode = 0"}, rep.AssignmentLines(classad.FlatMapOrder)); diff != "" {
		t.Fatalf("AUTO_APPROVE reply (-want +got):\n%s", diff)
	}
	// The pending condor@ request was approved; bob's was not.
	tok := f.parseToken(t, mustStr(f.finish(t, requester, pending, "p"), attrToken))
	if tok.Claims.Sub != "condor@example.net" || tok.Claims.Scope != "condor:/ADVERTISE_SCHEDD" {
		t.Errorf("auto-approved token claims %+v", tok.Claims)
	}
	if rep := f.finish(t, requester, other, "o"); mustStr(rep, attrToken) != "" || rep.Has(attrErrorString) {
		t.Errorf("bob's request is no longer pending: %s", rep)
	}
	// A new matching request gets its token at once.
	rep = f.mustCall(t, requester, cmdStartTokenRequest, ad(t, attrUser, "condor@example.net", attrClientID, "n", attrLimitAuthorization, "ADVERTISE_STARTD"))
	if !requestIDPattern.MatchString(mustStr(rep, attrRequestID)) {
		t.Errorf("START reply %s has no request id", rep)
	}
	tok = f.parseToken(t, mustStr(rep, attrToken))
	if tok.Claims.HasExp || tok.Claims.Sub != "condor@example.net" {
		t.Errorf("auto-approved token claims %+v", tok.Claims)
	}
	if !strings.Contains(f.log.String(), "approved via auto-approval rule [netblock = 127.0.0.0/8") {
		t.Errorf("log lacks the auto-approval line:\n%s", f.log)
	}
}

// TestTokenRequestExpiry: a pending request expires after
// SEC_TOKEN_REQUEST_LIFETIME (tokens.md §8.1).
func TestTokenRequestExpiry(t *testing.T) {
	f := newFixture(t, "SEC_TOKEN_REQUEST_LIFETIME = 600\n")
	c := f.tokenClient(t, alice, nil, -1)
	id := f.startRequest(t, c, bob, "x", "READ", 0)
	f.clock.Advance(599 * time.Second)
	if rep := f.finish(t, c, id, "x"); rep.Has(attrErrorString) {
		t.Fatalf("request expired early: %s", rep)
	}
	f.clock.Advance(2 * time.Second)
	if ads, _, _ := f.list(t, f.tokenClient(t, admin, nil, -1), ""); len(ads) != 0 {
		t.Errorf("expired request listed: %v", lines(ads))
	}
	wantError(t, f.finish(t, c, id, "x"), 5, "Request has expired.")
	wantError(t, f.finish(t, c, id, "x"), 3, "Request ID is not known.")
}

// TestTokenRequestsSurviveRestart: requests are kept in the state file
// across Shutdown and New.
func TestTokenRequestsSurviveRestart(t *testing.T) {
	f := newFixture(t, "")
	c := f.tokenClient(t, alice, nil, -1)
	id := f.startRequest(t, c, bob, "keep", "READ", 300)
	f.stop(t)
	f.start(t)
	ads, _, err := f.list(t, f.tokenClient(t, admin, nil, -1), "")
	if err != nil || len(ads) != 1 || mustStr(ads[0], attrRequestID) != id {
		t.Fatalf("after restart LIST = %v, %v; want request %s", lines(ads), err, id)
	}
	if rep := f.finish(t, c, id, "keep"); mustStr(rep, attrToken) != "" || rep.Has(attrErrorString) {
		t.Errorf("FINISH after restart: %s", rep)
	}
}

// TestReloadFailsRequests: a reconfig fails every stored request and
// drops the rules (tokens.md §2, RB-44).
func TestReloadFailsRequests(t *testing.T) {
	f := newFixture(t, "")
	c := f.tokenClient(t, alice, nil, -1)
	adm := f.tokenClient(t, admin, nil, -1)
	id := f.startRequest(t, c, bob, "x", "READ", 0)
	wantError(t, f.mustCall(t, adm, cmdAutoApproveTokenReqs, ad(t, attrSubnet, "127.0.0.0/8", attrLifetime, 60)), 0, "")
	if err := f.srv.Reload(f.loadConfig(t, f.cfgText)); err != nil {
		t.Fatal(err)
	}
	wantError(t, f.finish(t, c, id, "x"), 4, "Request failed.")
	// The rule is gone: a condor@ request stays pending.
	f.startRequest(t, c, "condor@example.net", "y", "ADVERTISE_STARTD", 0)
}

func TestExchangeSciToken(t *testing.T) {
	f := newFixture(t, "")
	c := f.tokenClient(t, alice, nil, -1)
	wantError(t, f.mustCall(t, c, cmdExchangeSciToken, ad(t)), 1, "SciToken not provided by the client")
	wantError(t, f.mustCall(t, c, cmdExchangeSciToken, ad(t, attrToken, "x.y.z")), 2, "Server not built with SciTokens support")
	f2 := newFixture(t, "SEC_ENABLE_SCITOKEN_EXCHANGE = false\n")
	wantError(t, f2.mustCall(t, f2.tokenClient(t, alice, nil, -1), cmdExchangeSciToken, ad(t, attrToken, "x")), 44, "SciToken exchange disabled.")
}
