package main

// End-to-end tests of the daemon's refusals as every token tool prints
// them (tokens.md §2, §3.1, §3.2, §10): the commands switched off, the
// request limits and lifetime cap, an unauthenticated session, a handshake
// that cannot authenticate, and ALLOW/DENY lists.

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTokenRefusals runs each refusal on a daemon configured for it.
func TestTokenRefusals(t *testing.T) {
	t.Parallel()

	// SEC_ENABLE_TOKEN_FETCH / SEC_ENABLE_TOKEN_REQUEST = false (tokens.md
	// §2). LIST's error comes in a proper terminator ad, which the client
	// reports (a deliberate difference, pkg/server doc).
	t.Run("disabled", func(t *testing.T) {
		t.Parallel()
		d := servePoolWith(t, "SEC_ENABLE_TOKEN_FETCH = false\nSEC_ENABLE_TOKEN_REQUEST = false\n")
		d.start(t)
		defer d.stop(t)
		for _, tc := range []struct {
			tool, stderr string
			args         []string
		}{
			{"condor_token_fetch", "Failed to request a session token: DAEMON:44:Token fetch disabled.\n", nil},
			{"condor_token_request", "Failed to request a new token: DAEMON:44:Token request disabled.\n", []string{"-identity", "x"}},
			{"condor_token_request_list", "Failed to list token requests: DAEMON:44:Token request disabled.\n", nil},
			{"condor_token_request_approve", "Failed to locate request corresponding to ID 1: DAEMON:44:Token request disabled.\n", []string{"-reqid", "1"}},
			{"condor_token_request_auto_approve", "Failed to create new auto-approval rule: DAEMON:44:Token request disabled.\n", []string{"-netblock", "127.0.0.0/8"}},
		} {
			want(t, tc.tool, d.bare(t, nil, "", tc.tool, tc.args...), 1, "", tc.stderr)
		}
		if r := d.modern(t, "", "token", "request", "finish", "1234567"); r.code != 1 || !strings.Contains(r.stderr, "DAEMON:44:Token request disabled.") {
			t.Fatalf("finish: %+v", r)
		}
	})

	// SEC_TOKEN_REQUEST_LIMITS narrows requests, SEC_ISSUED_TOKEN_EXPIRATION
	// caps lifetimes (tokens.md §2, §3.1 step 2, §3.2).
	t.Run("limits", func(t *testing.T) {
		t.Parallel()
		d := servePoolWith(t, "SEC_TOKEN_REQUEST_LIMITS = READ, ADVERTISE_STARTD\nSEC_ISSUED_TOKEN_EXPIRATION = 120\n"+roomy)
		d.start(t)
		defer d.stop(t)
		want(t, "all eliminated", d.bare(t, nil, "", "condor_token_request", "-identity", "x", "-authz", "WRITE"), 1, "",
			"Failed to request a new token: DAEMON:3:All requested authorizations were eliminated by the SEC_TOKEN_REQUEST_LIMITS setting\n")
		who := selfFQU()
		narrowed := noWait(t, d, "--identity", "y", "--authz", "READ", "--authz", "WRITE", "--lifetime", "600")
		whole := noWait(t, d, "--identity", "z")
		for _, p := range []pendingReq{
			{id: narrowed, requested: "y@e2e.local", authz: "READ", lifetime: 120},
			// The configured set, from HTCondor's std::set: sorted.
			{id: whole, requested: "z@e2e.local", authz: "ADVERTISE_STARTD,READ", lifetime: 120},
		} {
			p.clientID, p.authn = clientIDOf(t), who
			want(t, "listed "+p.requested, d.bare(t, nil, "", "condor_token_request_list", "-reqid", p.id), 0, p.longBlock(), "")
		}
		// A fetch is capped only when it asks for a lifetime; the request
		// limits do not apply to it.
		wantClaims(t, oneToken(t, d.bare(t, nil, "", "condor_token_fetch", "-lifetime", "600", "-authz", "WRITE")), who, 120, "condor:/WRITE")
		wantClaims(t, oneToken(t, d.bare(t, nil, "", "condor_token_fetch", "-lifetime", "60")), who, 60, "")
		wantClaims(t, oneToken(t, d.bare(t, nil, "", "condor_token_fetch")), who, -1, "")
	})

	// With authentication OPTIONAL on both sides nobody authenticates
	// (cedar.md §4.5): the handlers refuse what needs an identity, an
	// auto-approval rule still approves, and the force-authentication
	// commands authenticate anyway.
	t.Run("RB-39 unauthenticated", func(t *testing.T) {
		t.Parallel()
		d := servePoolWith(t, "SEC_DEFAULT_AUTHENTICATION = OPTIONAL\n")
		d.start(t)
		defer d.stop(t)
		want(t, "RB-39 fetch", d.bare(t, nil, "", "condor_token_fetch"), 1, "",
			"Failed to request a session token: DAEMON:2:Server did not successfully authenticate session.\n")
		want(t, "request", d.bare(t, nil, "", "condor_token_request", "-identity", "x"), 1, "",
			"Failed to request a new token: DAEMON:7:Request to server was made using ANONYMOUS or no authentication.\n")
		want(t, "rule, unauthenticated", d.bare(t, nil, "", "condor_token_request_auto_approve", "-netblock", "127.0.0.0/8"), 1, "",
			"Failed to create new auto-approval rule: SECMAN:2010:Received \"DENIED\" from server for user unauthenticated@unmapped using no authentication method, "+
				"which may imply host-based security.  Our address was '127.0.0.1', and server's address was '127.0.0.1'.  Check your ALLOW settings and IP protocols.\n")
		admin := []string{"_CONDOR_SEC_CLIENT_AUTHENTICATION=REQUIRED"}
		want(t, "rule, authenticated", d.bare(t, admin, "", "condor_token_request_auto_approve", "-netblock", "127.0.0.0/8"), 0,
			"Successfully installed auto-approval rule for netblock 127.0.0.0/8 with lifetime of 1.00 hours\n", "Remote daemon reports no un-approved requests pending.\n")
		// Auto-approval needs neither authentication nor encryption
		// (tokens.md §3.2 step 2).
		wantClaims(t, oneToken(t, d.bare(t, nil, "", "condor_token_request", "-identity", "condor", "-authz", "ADVERTISE_STARTD")),
			"condor@e2e.local", -1, "condor:/ADVERTISE_STARTD")
		// LIST is registered with force_authentication: FS happens.
		want(t, "list", d.bare(t, nil, "", "condor_token_request_list"), 0, "", "Remote daemon reports no requests pending.\n")
	})

	// No authentication method in common: the handshake fails and each
	// tool wraps the security errors its own way (tokens.md §10, row
	// "authentication / authorization refused in the handshake").
	t.Run("no method in common", func(t *testing.T) {
		t.Parallel()
		d := servePoolWith(t, "SEC_DEFAULT_AUTHENTICATION_METHODS = TOKEN\n")
		d.start(t)
		defer d.stop(t)
		addr := d.sinful(t)
		fsOnly := []string{"_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=FS"}
		chain := regexp.MustCompile(`^(SECMAN|AUTHENTICATE):[0-9]+:[^|\n]+(\|(SECMAN|AUTHENTICATE):[0-9]+:[^|\n]+)*\n$`)
		for _, tc := range []struct {
			tool, prefix string
			args         []string
		}{
			{"condor_token_fetch", "Failed to request a session token: ", []string{"-type", "collector"}},
			{"condor_token_request", "Failed to request a new token: DAEMON:1:failed to start command for token request with remote daemon at '" + addr + "'.|", []string{"-identity", "x"}},
			{"condor_token_request_list", "Failed to list token requests: DAEMON:1:Failed to start command for listing token requests with remote daemon at '" + addr + "'.|", nil},
			// approve lists first.
			{"condor_token_request_approve", "Failed to locate request corresponding to ID 1: DAEMON:1:Failed to start command for listing token requests with remote daemon at '" + addr + "'.|", []string{"-reqid", "1"}},
			{"condor_token_request_auto_approve", "Failed to create new auto-approval rule: ", []string{"-netblock", "127.0.0.0/8"}},
		} {
			r := d.bare(t, fsOnly, "", tc.tool, tc.args...)
			rest, ok := strings.CutPrefix(r.stderr, tc.prefix)
			if r.code != 1 || r.stdout != "" || !ok || !chain.MatchString(rest) {
				t.Fatalf("%s: %+v\nwant %q + a SECMAN/AUTHENTICATE chain", tc.tool, r, tc.prefix)
			}
		}
		// root can read the POOL key, so with TOKEN allowed it mints a
		// token for condor@password (cedar.md §5.2), which the fetched token
		// then names (tokens.md §4.4).
		wantClaims(t, oneToken(t, d.bare(t, nil, "", "condor_token_fetch", "-type", "collector", "-lifetime", "30")), "condor@password", 30, "")
	})

	// DENY_ADMINISTRATOR takes root's administrator rights away: the rule
	// is refused in the handshake, and LIST/APPROVE treat root as anybody
	// else (tokens.md §3.4, §8.2).
	t.Run("DENY_ADMINISTRATOR", func(t *testing.T) {
		t.Parallel()
		who := selfFQU()
		d := servePoolWith(t, "DENY_ADMINISTRATOR = "+who+"\n")
		d.start(t)
		defer d.stop(t)
		want(t, "rule", d.bare(t, nil, "", "condor_token_request_auto_approve", "-netblock", "127.0.0.0/8"), 1, "",
			"Failed to create new auto-approval rule: SECMAN:2010:Received \"DENIED\" from server for user "+who+" using method FS.\n")
		id := noWait(t, d, "--identity", "alice")
		want(t, "list", d.bare(t, nil, "", "condor_token_request_list"), 0, "", "Remote daemon reports no requests pending.\n")
		want(t, "approve", d.bare(t, nil, "yes\n", "condor_token_request_approve", "-reqid", id), 1, "",
			"Remote daemon did not provide information for request ID "+id+".\n")
		if r := d.modern(t, "", "ping", "--type", "collector", "ADMINISTRATOR"); r.code != 4 ||
			!strings.Contains(r.stderr, `SECMAN:2010:Received "DENIED" from server for user `+who+" using method FS.") {
			t.Fatalf("ping ADMINISTRATOR: %+v", r)
		}
	})

	// force_authentication (LIST, APPROVE) with an authenticated but
	// unmapped identity: HTCondor's AuthenticateFinish aborts the command
	// right after authentication ("did not result in a valid mapped user
	// name, which is required for this command ... so aborting",
	// daemon_command.cpp) and closes the connection before the post-auth
	// ad, so the tool reports the missing ad. (VerifyCommand's DENIED path
	// for the same condition is reached only without a new
	// authentication.)
	t.Run("SSL without a certificate cannot list", func(t *testing.T) {
		t.Parallel()
		d := servePool(t)
		d.start(t)
		defer d.stop(t)
		ssl := []string{"_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=SSL", "_CONDOR_AUTH_SSL_CLIENT_CAFILE=" + filepath.Join(d.local, "trust_domain_ca.pem")}
		r := d.bare(t, ssl, "", "condor_token_request_list")
		prefix := "Failed to list token requests: DAEMON:1:Failed to start command for listing token requests with remote daemon at '" + d.sinful(t) + "'.|"
		want(t, "list", r, 1, "", prefix+"SECMAN:2007:Failed to received post-auth ClassAd\n")
	})
}

// TestTokenKeysAndRates: SEC_TOKEN_ISSUER_KEY picks the default signing
// key of fetches and approvals, SEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS takes
// wildcards (tokens.md §2, §3.1 step 3, §4.5), and the per-peer rate limit
// condor-auth adds answers with HTCondor's text (§3.3, pkg/tokenreq).
func TestTokenKeysAndRates(t *testing.T) {
	t.Parallel()
	t.Run("issuer key and allowed keys", func(t *testing.T) {
		t.Parallel()
		d := servePoolWith(t, "SEC_TOKEN_ISSUER_KEY = k1\nSEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS = POOL, k*\n")
		if r := d.modern(t, "", "token", "keygen", "--key", "k1"); r.code != 0 {
			t.Fatalf("keygen: %+v", r)
		}
		d.start(t)
		defer d.stop(t)
		k1 := filepath.Join(d.local, "passwords.d", "k1")
		kid := func(t *testing.T, tok string) string {
			var h struct{ Kid string }
			if err := json.Unmarshal([]byte(segment(t, tok, 0)), &h); err != nil {
				t.Fatal(err)
			}
			return h.Kid
		}
		tok := oneToken(t, d.bare(t, nil, "", "condor_token_fetch"))
		if kid(t, tok) != "k1" || !signedWith(t, tok, hs256Key(t, k1, false)) {
			t.Fatalf("default fetch: %s", segment(t, tok, 0))
		}
		if tok := oneToken(t, d.bare(t, nil, "", "condor_token_fetch", "-key", "POOL")); kid(t, tok) != "POOL" {
			t.Fatalf("-key POOL: %s", segment(t, tok, 0))
		}
		want(t, "-key k2", d.bare(t, nil, "", "condor_token_fetch", "-key", "k2"), 1, "",
			"Failed to request a session token: DAEMON:1:TOKEN:1:Failed to read file "+filepath.Join(d.local, "passwords.d", "k2")+" securely.\n")
		want(t, "-key AP", d.bare(t, nil, "", "condor_token_fetch", "-key", "AP"), 1, "",
			"Failed to request a session token: DAEMON:3:Server will not sign with requested key.\n")
		id := noWait(t, d, "--identity", "kay")
		if r := d.modern(t, "", "token", "approve", "--reqid", id, "--yes"); r.code != 0 {
			t.Fatalf("approve: %+v", r)
		}
		if tok := jsonToken(t, d.modern(t, "", "token", "request", "finish", id, "-o", "json")); kid(t, tok) != "k1" || !signedWith(t, tok, hs256Key(t, k1, false)) {
			t.Fatalf("approved token: %s", segment(t, tok, 0))
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		t.Parallel()
		d := servePoolWith(t, "CONDOR_AUTH_TOKEN_REQUEST_RATE = 0.01\nCONDOR_AUTH_TOKEN_REQUEST_BURST = 2\n")
		d.start(t)
		defer d.stop(t)
		id := noWait(t, d, "--identity", "a")
		if r := d.modern(t, "", "token", "request", "finish", id); r.code != 1 || !strings.Contains(r.stderr, "still waiting") {
			t.Fatalf("finish: %+v", r)
		}
		want(t, "third", d.bare(t, nil, "", "condor_token_request", "-identity", "b"), 1, "", "Failed to request a new token: DAEMON:5:Request rate limit hit.\n")
		if r := d.modern(t, "", "token", "request", "finish", id); r.code != 1 || !strings.Contains(r.stderr, "DAEMON:5:Request rate limit hit.") {
			t.Fatalf("finish over the limit: %+v", r)
		}
		// LIST is not limited.
		want(t, "list", d.bare(t, nil, "", "condor_token_request_list", "-reqid", id), 0,
			pendingReq{id: id, clientID: clientIDOf(t), authn: selfFQU(), requested: "a@e2e.local", lifetime: -1}.longBlock(), "")
	})
}

// TestRevokedTokenRefused: SEC_TOKEN_REVOCATION_EXPR in serve's
// configuration refuses the matching token in the handshake (tokens.md
// §6.3) while another token of the same pool still works; the daemon's log
// says why.
func TestRevokedTokenRefused(t *testing.T) {
	d := servePoolWith(t, `SEC_TOKEN_REVOCATION_EXPR = sub == "mallory@e2e.local"`+"\n")
	d.start(t)
	defer d.stop(t)
	for _, tc := range []struct {
		user string
		ok   bool
	}{{"bob", true}, {"mallory", false}} {
		t.Run(tc.user, func(t *testing.T) {
			dir := t.TempDir()
			if r := d.modern(t, "", "token", "create", "--identity", tc.user+"@e2e.local", "--file", filepath.Join(dir, tc.user)); r.code != 0 {
				t.Fatalf("create: %+v", r)
			}
			env := append(append([]string(nil), d.env...), "_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=IDTOKENS",
				"_CONDOR_SEC_TOKEN_DIRECTORY="+dir)
			r := run(t, env, "", filepath.Join(d.bin, "condor_token_fetch"))
			if tc.ok {
				wantClaims(t, oneToken(t, r), tc.user+"@e2e.local", -1, "")
				return
			}
			if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "Failed to request a session token: ") ||
				!strings.Contains(r.stderr, "AUTHENTICATE:1004:Failed to authenticate using IDTOKENS") {
				t.Fatalf("revoked token: %+v", r)
			}
			if log := readFile(d.log); !strings.Contains(log, "revoked") {
				t.Fatalf("the daemon log does not say the token was revoked:\n%s", log)
			}
		})
	}
}
