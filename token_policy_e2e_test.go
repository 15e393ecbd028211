package main

// End-to-end tests of who may do what with token requests: auto-approval
// rules (tokens.md §3.6, §8.3; real-tools.md §8, §21), a non-administrator
// and a scope- or lifetime-limited approver (§3.5, §8.2), and an SSL
// requester without a certificate (§3.2).

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// roomy lifts servePool's limit of 3 stored requests.
const roomy = "CONDOR_AUTH_TOKEN_REQUEST_MAX = 100\n"

// remaining is what condor_token_request_auto_approve prints after the
// rule when requests remain (real-tools.md §21), with the requests'
// blocks in any order.
func remaining(t *testing.T, r result, header string, reqs ...pendingReq) {
	t.Helper()
	ruler := strings.Repeat("=", 50) + "\n"
	head := header + "The following requests remain after auto-approval rule was installed:\n" + ruler
	tail := ruler + "To approve these requests, please run condor_token_request_approve manually.\n"
	body, ok := strings.CutPrefix(r.stdout, head)
	body, ok2 := strings.CutSuffix(body, tail)
	got := strings.SplitAfter(body, "\n\n")
	var wantBlocks []string
	for _, p := range reqs {
		wantBlocks = append(wantBlocks, p.serverOrder()+"\n")
	}
	wantBlocks = append(wantBlocks, "")
	slices.Sort(got)
	slices.Sort(wantBlocks)
	if r.code != 0 || r.stderr != "" || !ok || !ok2 || !slices.Equal(got, wantBlocks) {
		t.Fatalf("auto-approve: %+v\nwant the header %q and the blocks %q", r, head, wantBlocks)
	}
}

// TestTokenAutoApprove: rules approve requests for condor@… limited to
// ADVERTISE_SCHEDD/STARTD/MASTER from their netblock, at once or, for
// requests already pending, when the rule is installed.
func TestTokenAutoApprove(t *testing.T) {
	t.Parallel()
	t.Run("new requests", func(t *testing.T) {
		t.Parallel()
		d := servePoolWith(t, roomy)
		d.start(t)
		defer d.stop(t)
		want(t, "RB-46 AA8", d.bare(t, nil, "", "condor_token_request_auto_approve", "-netblock", "127.0.0.0/8", "-lifetime", "60"), 0,
			"Successfully installed auto-approval rule for netblock 127.0.0.0/8 with lifetime of 0.02 hours\n", "Remote daemon reports no un-approved requests pending.\n")
		for _, tc := range []struct {
			id       string
			args     []string
			lifetime int64
			scope    string
		}{
			{"RB-47", []string{"-identity", "condor", "-authz", "ADVERTISE_STARTD"}, -1, "condor:/ADVERTISE_STARTD"},
			{"R12", []string{"-authz", "ADVERTISE_STARTD", "-lifetime", "3600"}, 3600, "condor:/ADVERTISE_STARTD"},
			{"ADVERTISE_MASTER qualifies too", []string{"-identity", "condor@e2e.local", "-authz", "ADVERTISE_MASTER"}, -1, "condor:/ADVERTISE_MASTER"},
			{"SCHEDD and STARTD", []string{"-i", "condor", "-a", "ADVERTISE_SCHEDD", "-a", "ADVERTISE_STARTD"}, -1, "condor:/ADVERTISE_SCHEDD condor:/ADVERTISE_STARTD"},
		} {
			t.Run(tc.id, func(t *testing.T) {
				// No "enqueued" line: the token comes back at once.
				r := d.bare(t, nil, "", "condor_token_request", tc.args...)
				wantClaims(t, oneToken(t, r), "condor@e2e.local", tc.lifetime, tc.scope)
			})
		}
		// The token is obtained, then the name is refused (tokens.md §10).
		want(t, "-token ../evil", d.bare(t, nil, "", "condor_token_request", "-identity", "condor", "-authz", "ADVERTISE_STARTD", "-token", "../evil"), 1, "",
			"Token name isn't a plain filename\n")
		// R11 and the other conditions of tokens.md §8.3: left pending.
		var pending []pendingReq
		for _, tc := range []struct {
			identity, authz string
		}{{"henry", "READ"}, {"condor", "READ"}, {"condor", ""}, {"condor", "ADVERTISE_STARTD,READ"}, {"condorx", "ADVERTISE_STARTD"}} {
			args := []string{"--identity", tc.identity}
			if tc.authz != "" {
				args = append(args, "--authz", tc.authz)
			}
			id := noWait(t, d, args...)
			pending = append(pending, pendingReq{id: id, clientID: clientIDOf(t), authn: selfFQU(), requested: tc.identity + "@e2e.local", authz: tc.authz, lifetime: -1})
		}
		t.Run("AA5 the rest is listed", func(t *testing.T) {
			remaining(t, d.bare(t, nil, "", "condor_token_request_auto_approve", "-netblock", "10.0.0.0/8", "-lifetime", "3600"),
				"Successfully installed auto-approval rule for netblock 10.0.0.0/8 with lifetime of 1.00 hours\n", pending...)
		})
		t.Run("RB-48 AA3 AA4 rejected rules", func(t *testing.T) {
			want(t, "AA3", d.bare(t, nil, "", "condor_token_request_auto_approve", "-netblock", "bogus", "-lifetime", "60"), 1, "",
				"Failed to create new auto-approval rule: DAEMON:2:Auto-approval rule netblock invalid.\n")
			want(t, "AA4", d.bare(t, nil, "", "condor_token_request_auto_approve", "-netblock", "127.0.0.1/32", "-lifetime", "0"), 1, "",
				"Failed to create new auto-approval rule: DAEMON:2:Auto-approval rule lifetimes must be greater than zero.\n")
		})
		t.Run("AA6 not an administrator", func(t *testing.T) {
			nobody := d.nobody(t)
			want(t, "AA6", nobody.tool(t, nil, "", "condor_token_request_auto_approve", "-netblock", "127.0.0.1/32", "-lifetime", "60"), 1, "",
				"Failed to create new auto-approval rule: SECMAN:2010:Received \"DENIED\" from server for user "+nobody.fqu()+" using method FS.\n")
		})
	})

	t.Run("AA7 pending requests", func(t *testing.T) {
		t.Parallel()
		d := servePool(t)
		d.start(t)
		defer d.stop(t)
		startd := noWait(t, d, "--identity", "condor", "--authz", "ADVERTISE_STARTD", "--lifetime", "600")
		gina := pendingReq{id: noWait(t, d, "--identity", "gina"), clientID: clientIDOf(t), authn: selfFQU(), requested: "gina@e2e.local", lifetime: -1}
		remaining(t, d.bare(t, nil, "", "condor_token_request_auto_approve", "-netblock", "127.0.0.1/32", "-lifetime", "600"),
			"Successfully installed auto-approval rule for netblock 127.0.0.1/32 with lifetime of 0.17 hours\n", gina)
		// Approved when the rule came; the poll collects it.
		wantClaims(t, jsonToken(t, d.modern(t, "", "token", "request", "finish", startd, "-o", "json")), "condor@e2e.local", 600, "condor:/ADVERTISE_STARTD")
	})

	// TOKEN_REQUEST_AUTO_APPROVE_MAX_LIFETIME caps a rule (the tool still
	// prints the lifetime it asked for, tokens.md §9.7); a pending request
	// qualifies only within its own token lifetime (§8.3 item 4).
	t.Run("rule and request lifetimes", func(t *testing.T) {
		t.Parallel()
		d := servePoolWith(t, "TOKEN_REQUEST_AUTO_APPROVE_MAX_LIFETIME = 1\n")
		d.start(t)
		defer d.stop(t)
		made := time.Now()
		short := pendingReq{id: noWait(t, d, "--identity", "condor", "--authz", "ADVERTISE_STARTD", "--lifetime", "1"), clientID: clientIDOf(t),
			authn: selfFQU(), requested: "condor@e2e.local", authz: "ADVERTISE_STARTD", lifetime: 1}
		open := noWait(t, d, "--identity", "condor", "--authz", "ADVERTISE_SCHEDD")
		// Whole seconds: 2 s later the 1 s lifetime has passed.
		time.Sleep(time.Until(made.Add(2050 * time.Millisecond)))
		installed := time.Now()
		remaining(t, d.bare(t, nil, "", "condor_token_request_auto_approve", "-netblock", "127.0.0.1/32"),
			"Successfully installed auto-approval rule for netblock 127.0.0.1/32 with lifetime of 1.00 hours\n", short)
		wantClaims(t, jsonToken(t, d.modern(t, "", "token", "request", "finish", open, "-o", "json")), "condor@e2e.local", -1, "condor:/ADVERTISE_SCHEDD")
		// The rule was capped to 1 s: it no longer approves.
		time.Sleep(time.Until(installed.Add(2050 * time.Millisecond)))
		noWait(t, d, "--identity", "condor", "--authz", "ADVERTISE_STARTD")
	})
}

// TestTokenRequestNonAdmin: a caller that is not an administrator — a
// token identity (bob) or an ordinary user (FS) — sees and approves only
// requests for itself (RB-52, RL2, RL10, A9), cannot install rules, and a
// limited token approves only within its scopes and lifetime (tokens.md
// §3.5 codes 7, 8).
func TestTokenRequestNonAdmin(t *testing.T) {
	t.Parallel()
	d := servePoolWith(t, roomy)
	d.start(t)
	defer d.stop(t)
	nobody := d.nobody(t)

	// Token directories for bob, each with one token, used with TOKEN as
	// the only client method.
	bobDir := func(name string, args ...string) []string {
		env := []string{"_CONDOR_SEC_TOKEN_DIRECTORY=" + filepath.Join(d.local, "bob_"+name), "_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=TOKEN"}
		want(t, "token for bob", d.bare(t, env, "", "condor_token_create", append([]string{"-identity", "bob@e2e.local", "-token", "bob"}, args...)...), 0, "", "")
		return env
	}
	asBob := bobDir("plain")
	asBobRead := bobDir("read", "-authz", "READ")
	asBobExp := bobDir("exp", "-lifetime", "600")

	mk := func(t *testing.T, identity, authn string, lifetime int64, authz string, args ...string) pendingReq {
		id := noWait(t, d, append([]string{"--identity", identity}, args...)...)
		return pendingReq{id: id, clientID: clientIDOf(t), authn: authn, requested: identity, authz: authz, lifetime: lifetime}
	}
	alice := mk(t, "alice@e2e.local", selfFQU(), -1, "")
	bob := mk(t, "bob@e2e.local", selfFQU(), 60, "READ", "--authz", "READ", "--lifetime", "60")

	t.Run("RB-52 bob sees only bob's requests", func(t *testing.T) {
		want(t, "list", d.bare(t, asBob, "", "condor_token_request_list"), 0, bob.longBlock(), "")
		gone := "Remote daemon did not provide information for request ID " + alice.id + ".\n"
		want(t, "list alice", d.bare(t, asBob, "", "condor_token_request_list", "-reqid", alice.id), 1, "", gone)
		want(t, "approve alice", d.bare(t, asBob, "yes\n", "condor_token_request_approve", "-reqid", alice.id), 1, "", gone)
		want(t, "rule", d.bare(t, asBob, "", "condor_token_request_auto_approve", "-netblock", "127.0.0.1/32"), 1, "",
			"Failed to create new auto-approval rule: SECMAN:2010:Received \"DENIED\" from server for user bob@e2e.local using method IDTOKENS.\n")
	})
	t.Run("code 7 scope restricted", func(t *testing.T) {
		wide := mk(t, "bob@e2e.local", selfFQU(), 60, "READ,WRITE", "--authz", "READ,WRITE", "--lifetime", "60")
		want(t, "approve READ,WRITE with a READ token", d.bare(t, asBobRead, "yes\n", "condor_token_request_approve", "-reqid", wide.id), 1, wide.prompt(),
			"Failed to approve token request: DAEMON:7:Insufficient privilege to approve request (scope restricted).\n")
	})
	t.Run("code 8 lifetime", func(t *testing.T) {
		long := mk(t, "bob@e2e.local", selfFQU(), -1, "READ", "--authz", "READ")
		want(t, "approve without lifetime with an expiring token", d.bare(t, asBobExp, "yes\n", "condor_token_request_approve", "-reqid", long.id), 1, long.prompt(),
			"Failed to approve token request: DAEMON:8:Insufficient privilege to approve request (lifetime).\n")
	})
	t.Run("RB-52 bob approves his own", func(t *testing.T) {
		// READ within READ, 60 s within the token's 600 s.
		want(t, "approve", d.bare(t, asBobExp, "yes\n", "condor_token_request_approve", "-reqid", bob.id), 0, bob.prompt()+"Request "+bob.id+" approved successfully.\n", "")
	})

	t.Run("RL2 an ordinary user sees nothing of others", func(t *testing.T) {
		want(t, "list", nobody.tool(t, nil, "", "condor_token_request_list"), 0, "", "Remote daemon reports no requests pending.\n")
	})
	// R9: without the pool CA, no terminal to ask: refused, and the
	// certificate is recorded as not (yet) trusted (real-tools.md §17).
	t.Run("R9 untrusted CA", func(t *testing.T) {
		home := filepath.Join(filepath.Dir(nobody.home), "home-r9")
		if err := os.Mkdir(home, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(home, nobody.uid, nobody.gid); err != nil {
			t.Fatal(err)
		}
		r := nobody.tool(t, []string{"HOME=" + home, "_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=SSL"}, "", "condor_token_request", "-identity", nobody.fqu(), "-token", "x2")
		want(t, "R9", r, 1, "", "Failed to request a new token: DAEMON:1:failed to start command for token request with remote daemon at '"+d.sinful(t)+
			"'.|AUTHENTICATE:1003:Failed to authenticate with any method|AUTHENTICATE:1004:Failed to authenticate using SSL\n")
		kh := filepath.Join(home, ".condor", "known_hosts")
		wantFile(t, filepath.Dir(kh), 0o755, nobody.uid)
		wantFile(t, kh, 0o644, nobody.uid)
		// The host is the name the tool knew the daemon by: its alias.
		alias := regexp.MustCompile(`alias=([^&>]+)`).FindStringSubmatch(d.sinful(t))[1]
		data, _ := os.ReadFile(kh)
		if !regexp.MustCompile(`^!` + regexp.QuoteMeta(alias) + ` SSL MII[A-Za-z0-9+/]+=*\n$`).Match(data) {
			t.Fatalf("known_hosts %q", data)
		}
	})
	t.Run("R8 RL9 RL10 A9 SSL without a certificate", func(t *testing.T) {
		host, _ := os.Hostname()
		ssl := []string{"_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=SSL", "_CONDOR_AUTH_SSL_CLIENT_CAFILE=" + filepath.Join(d.local, "trust_domain_ca.pem")}
		r := nobody.modern(t, ssl, "", "token", "request", "--identity", nobody.name, "--no-wait")
		id := strings.TrimSuffix(r.stdout, "\n")
		if r.code != 0 || !reqIDRe.MatchString(id) {
			t.Fatalf("R8: %+v", r)
		}
		p := pendingReq{id: id, clientID: host + "-u65534", authn: "unauthenticated@unmapped", requested: nobody.fqu(), lifetime: -1}
		want(t, "RL9 root", d.bare(t, nil, "", "condor_token_request_list", "-reqid", id), 0, p.longBlock(), "")
		want(t, "RL10 the user (FS)", nobody.tool(t, nil, "", "condor_token_request_list"), 0, p.longBlock(), "")
		want(t, "A9", nobody.tool(t, nil, "yes\n", "condor_token_request_approve"), 0, p.prompt()+"Request "+id+" approved successfully.\n", "")
		wantClaims(t, jsonToken(t, nobody.modern(t, ssl, "", "token", "request", "finish", id, "-o", "json")), nobody.fqu(), -1, "")
	})
}
