package main

// End-to-end tests of the token-request flow (tokens.md §3.2–§3.5, §8,
// §9.4–§9.6; real-tools.md §5–§7, §18–§20): condor_token_request waiting
// for an administrator, condor_token_request_list and _approve, the
// modern verbs, reconfig, expiry and the pending-request limit.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// pollWait bounds the wait for a condor_token_request that polls every
// 5 s (tokens.md §9.4).
const pollWait = 20 * time.Second

// pendingReq is a request as the daemon lists it (tokens.md §3.4).
type pendingReq struct {
	id, clientID, authn, requested, authz string
	lifetime                              int64 // -1: none
}

// attrs are the request's attributes as `Name = value` lines in the order
// given (tokens.md §3.4: LimitAuthorization only when non-empty,
// TokenLifetime only when ≥ 0).
func (p pendingReq) attrs(order []string) string {
	var b strings.Builder
	for _, name := range order {
		switch name {
		case "AuthenticatedIdentity":
			fmt.Fprintf(&b, "AuthenticatedIdentity = %q\n", p.authn)
		case "ClientId":
			fmt.Fprintf(&b, "ClientId = %q\n", p.clientID)
		case "LimitAuthorization":
			if p.authz != "" {
				fmt.Fprintf(&b, "LimitAuthorization = %q\n", p.authz)
			}
		case "PeerLocation":
			b.WriteString("PeerLocation = \"127.0.0.1\"\n")
		case "RequestedIdentity":
			fmt.Fprintf(&b, "RequestedIdentity = %q\n", p.requested)
		case "RequestId":
			fmt.Fprintf(&b, "RequestId = %q\n", p.id)
		case "TokenLifetime":
			if p.lifetime >= 0 {
				fmt.Fprintf(&b, "TokenLifetime = %d\n", p.lifetime)
			}
		}
	}
	return b.String()
}

// longBlock is the request in condor_token_request_list's default format:
// sorted case-insensitively, then an empty line (real-tools.md §20).
func (p pendingReq) longBlock() string {
	return p.attrs([]string{"AuthenticatedIdentity", "ClientId", "LimitAuthorization", "PeerLocation", "RequestedIdentity", "RequestId", "TokenLifetime"}) + "\n"
}

// serverOrder is the request as the daemon sent it (flat-map order), which
// the approve prompt and the auto-approve listing print (real-tools.md §19).
func (p pendingReq) serverOrder() string {
	return p.attrs([]string{"ClientId", "RequestId", "PeerLocation", "TokenLifetime", "RequestedIdentity", "LimitAuthorization", "AuthenticatedIdentity"})
}

// prompt is condor_token_request_approve's prompt for the request.
func (p pendingReq) prompt() string {
	return "Request contents:\n" + p.serverOrder() + "\nTo approve, please type 'yes'\n"
}

// jsonBlock is the request in -json form (real-tools.md §20).
func (p pendingReq) jsonBlock() string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(p.longBlock(), "\n\n"), "\n") {
		name, value, _ := strings.Cut(l, " = ")
		lines = append(lines, fmt.Sprintf("  %q: %s", name, value))
	}
	return "{\n" + strings.Join(lines, ",\n") + "\n}\n"
}

// enqueued is condor_token_request's line for a queued request (stdout,
// two spaces after the first period).
func enqueued(id string) string {
	return "Token request enqueued.  Ask an administrator to please approve request " + id + ".\n"
}

// listed returns the pending requests the caller sees, by requested
// identity, from condor_token_request_list -json.
func listed(t *testing.T, r result) map[string]pendingReq {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("list: %+v", r)
	}
	out := map[string]pendingReq{}
	if r.stdout == "" {
		return out
	}
	var ads []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &ads); err != nil {
		t.Fatalf("list -json: %v\n%s", err, r.stdout)
	}
	for _, ad := range ads {
		p := pendingReq{lifetime: -1}
		p.id, _ = ad["RequestId"].(string)
		p.clientID, _ = ad["ClientId"].(string)
		p.authn, _ = ad["AuthenticatedIdentity"].(string)
		p.requested, _ = ad["RequestedIdentity"].(string)
		p.authz, _ = ad["LimitAuthorization"].(string)
		if v, ok := ad["TokenLifetime"].(float64); ok {
			p.lifetime = int64(v)
		}
		out[p.requested] = p
	}
	return out
}

// waitListed waits until the daemon lists n pending requests to root.
func waitListed(t *testing.T, d *daemon, n int) map[string]pendingReq {
	t.Helper()
	var got map[string]pendingReq
	waitFor(t, 10*time.Second, fmt.Sprintf("%d pending requests", n), func() bool {
		got = listed(t, d.bare(t, nil, "", "condor_token_request_list", "-json"))
		return len(got) == n
	})
	return got
}

// TestTokenRequestFlow is the administrator's round trip with the legacy
// tools: three requesters wait, the list shows them in both formats, the
// approver refuses and approves, the requesters print their tokens.
func TestTokenRequestFlow(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	d.start(t)
	defer d.stop(t)
	host, _ := os.Hostname()
	who := selfFQU()

	bob := d.spawn(t, nil, "condor_token_request", "-identity", "bob", "-authz", "READ", "-authz", "WRITE", "-lifetime", "300", "-token", "req_bob")
	dflt := d.spawn(t, nil, "condor_token_request", "-lifetime", "100")
	frank := d.spawn(t, nil, "condor_token_request", "-identity", "frank")
	reqs := waitListed(t, d, 3)
	// They wait in silence: no client-side timeout (tokens.md §9.4).
	for _, p := range []*spawned{bob, dflt, frank} {
		if !p.running() {
			t.Fatalf("%v exited before approval: %+v", p.cmd.Args, p.wait(t, time.Second))
		}
	}

	t.Run("RB-40 R4 R5 identities, request and client ids", func(t *testing.T) {
		clientRe := regexp.MustCompile(`^` + regexp.QuoteMeta(host) + `-([0-9]|[1-9][0-9]{1,2})$`)
		for _, w := range []pendingReq{
			{requested: "bob@e2e.local", authz: "READ,WRITE", lifetime: 300},
			{requested: "condor@e2e.local", lifetime: 100},
			{requested: "frank@e2e.local", lifetime: -1},
		} {
			got := reqs[w.requested]
			w.id, w.clientID, w.authn = got.id, got.clientID, who
			if got != w || !reqIDRe.MatchString(got.id) || !clientRe.MatchString(got.clientID) {
				t.Fatalf("listed %+v, want %+v with a 7-digit id and client id <host>-<0..999>", got, w)
			}
		}
	})
	b, c, f := reqs["bob@e2e.local"], reqs["condor@e2e.local"], reqs["frank@e2e.local"]

	t.Run("RB-41 RL1 long format", func(t *testing.T) {
		r := d.bare(t, nil, "", "condor_token_request_list")
		blocks := strings.SplitAfter(r.stdout, "\n\n")
		slices.Sort(blocks)
		wantBlocks := []string{b.longBlock(), c.longBlock(), f.longBlock(), ""}
		slices.Sort(wantBlocks)
		if r.code != 0 || r.stderr != "" || !slices.Equal(blocks, wantBlocks) {
			t.Fatalf("list: %+v\nwant the blocks %q", r, wantBlocks)
		}
	})
	t.Run("RB-41 RL4 -json", func(t *testing.T) {
		r := d.bare(t, nil, "", "condor_token_request_list", "-json")
		// In the order the daemon sent them: each further ad after ",\n".
		var parts []string
		for _, m := range regexp.MustCompile(`"RequestId": "([0-9]+)"`).FindAllStringSubmatch(r.stdout, -1) {
			for _, p := range reqs {
				if p.id == m[1] {
					parts = append(parts, p.jsonBlock())
				}
			}
		}
		want(t, "-json", r, 0, "[\n"+strings.Join(parts, ",\n")+"]\n", "")
	})
	t.Run("RL3 -reqid", func(t *testing.T) {
		want(t, "-reqid", d.bare(t, nil, "", "condor_token_request_list", "-reqid", b.id), 0, b.longBlock(), "")
		// The filter is compared as a string (tokens.md §3.4): "+<id>" is an
		// integer but not the stored text.
		want(t, "-reqid +id", d.bare(t, nil, "", "condor_token_request_list", "-reqid", "+"+b.id), 1, "",
			"Remote daemon did not provide information for request ID +"+b.id+".\n")
	})

	t.Run("RB-42 A2-A4 refusals leave the request pending", func(t *testing.T) {
		for _, in := range []string{"no\n", "", "YES\n", "yes \n", "yes\r\n"} {
			r := d.bare(t, nil, in, "condor_token_request_approve", "-reqid", b.id)
			want(t, fmt.Sprintf("answer %q", in), r, 1, b.prompt(), "Request was NOT approved.\n")
		}
		want(t, "still pending", d.bare(t, nil, "", "condor_token_request_list", "-reqid", b.id), 0, b.longBlock(), "")
		// real-tools.md §18: stderr is written at once, stdout when the
		// tool exits, so on one pipe the refusal comes first.
		cmd := &exec.Cmd{Path: filepath.Join(d.bin, "condor_token_request_approve"), Args: []string{"condor_token_request_approve", "-reqid", b.id}, Env: d.env}
		var both bytes.Buffer
		cmd.Stdout, cmd.Stderr = &both, &both
		if err := cmd.Run(); err == nil || both.String() != "Request was NOT approved.\n"+b.prompt() {
			t.Fatalf("stdout and stderr on one pipe: %v %q", err, both.String())
		}
	})
	t.Run("RB-42 A1 A5 yes approves", func(t *testing.T) {
		want(t, "approve", d.bare(t, nil, "yes\n", "condor_token_request_approve", "-reqid", b.id), 0,
			b.prompt()+"Request "+b.id+" approved successfully.\n", "")
	})
	t.Run("A11 without -reqid every request is shown", func(t *testing.T) {
		// A final "yes" without a newline counts (real-tools.md §7.3).
		r := d.bare(t, nil, "yes\nyes", "condor_token_request_approve")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("approve all: %+v", r)
		}
		for _, p := range []pendingReq{c, f} {
			if !strings.Contains(r.stdout, p.prompt()+"Request "+p.id+" approved successfully.\n") {
				t.Fatalf("approve all: %q lacks request %s", r.stdout, p.id)
			}
		}
		if len(r.stdout) != len(c.prompt()+f.prompt())+2*len("Request 0000000 approved successfully.\n") {
			t.Fatalf("approve all printed more: %q", r.stdout)
		}
	})

	// RB-43, R1, R3, R4, R5: the requesters print the enqueued line, then
	// the token (or write it), and exit 0 at their next poll.
	t.Run("RB-43 the requesters collect", func(t *testing.T) {
		r := bob.wait(t, pollWait)
		want(t, "R1 bob", r, 0, enqueued(b.id), "")
		p := filepath.Join(d.local, "tokens.d", "req_bob")
		wantFile(t, p, 0o600, os.Getuid())
		data, _ := os.ReadFile(p)
		wantClaims(t, strings.TrimSuffix(string(data), "\n"), "bob@e2e.local", 300, "condor:/READ condor:/WRITE")
		for _, x := range []struct {
			p        *spawned
			req      pendingReq
			lifetime int64
		}{{dflt, c, 100}, {frank, f, -1}} {
			r := x.p.wait(t, pollWait)
			tok, ok := strings.CutPrefix(r.stdout, enqueued(x.req.id))
			if !ok {
				t.Fatalf("requester of %s: %+v", x.req.requested, r)
			}
			wantClaims(t, oneToken(t, result{tok, r.stderr, r.code}), x.req.requested, x.lifetime, "")
		}
	})

	// RB-49, RL5, A6: nothing left.
	t.Run("RB-49 nothing pending", func(t *testing.T) {
		want(t, "list", d.bare(t, nil, "", "condor_token_request_list"), 0, "", "Remote daemon reports no requests pending.\n")
		want(t, "list -json", d.bare(t, nil, "", "condor_token_request_list", "-json"), 0, "", "Remote daemon reports no requests pending.\n")
		want(t, "approve", d.bare(t, nil, "yes\n", "condor_token_request_approve"), 1, "", "Remote daemon has no request to approve.\n")
	})
	t.Run("RB-50 RL6 A7 unknown id", func(t *testing.T) {
		msg := "Remote daemon did not provide information for request ID 1234567.\n"
		want(t, "list", d.bare(t, nil, "", "condor_token_request_list", "-reqid", "1234567"), 1, "", msg)
		want(t, "approve", d.bare(t, nil, "yes\n", "condor_token_request_approve", "-reqid", "1234567"), 1, "", msg)
	})
	t.Run("RB-51 A8 non-numeric id", func(t *testing.T) {
		msg := "Failed to locate request corresponding to ID abc: DAEMON:2:Unable to convert request ID to integer.\n"
		want(t, "list", d.bare(t, nil, "", "condor_token_request_list", "-reqid", "abc"), 1, "", msg)
		want(t, "approve", d.bare(t, nil, "yes\n", "condor_token_request_approve", "-reqid", "abc"), 1, "", msg)
	})
}

// TestTokenRequestModern drives the same flow with the modern verbs:
// --no-wait, `token requests`, `token approve --yes`, `token request
// finish` and its failures (tokens.md §3.3), --timeout, and the schedd as
// target (real-tools.md R13, RL12, A10).
func TestTokenRequestModern(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	d.start(t)
	defer d.stop(t)

	r := d.modern(t, "", "token", "request", "--identity", "alice", "--authz", "READ", "--lifetime", "10m", "--no-wait")
	id := strings.TrimSuffix(r.stdout, "\n")
	want(t, "request --no-wait", r, 0, id+"\n", "Token request "+id+" enqueued. Ask an administrator to approve it (condor-auth token approve --reqid "+id+
		"),\nthen collect the token with: condor-auth token request finish "+id+"\n")

	r = d.modern(t, "", "token", "requests", "--reqid", id, "-o", "json")
	var ads []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &ads); err != nil || len(ads) != 1 || ads[0]["RequestedIdentity"] != "alice@e2e.local" ||
		ads[0]["ClientId"] != clientIDOf(t) || ads[0]["LimitAuthorization"] != "READ" || ads[0]["TokenLifetime"] != float64(600) {
		t.Fatalf("requests -o json: %v %+v", err, r)
	}
	if r := d.modern(t, "", "token", "requests"); r.code != 0 || !strings.HasPrefix(r.stdout, "REQUEST ID  ") || !strings.Contains(r.stdout, "\n"+id+" ") {
		t.Fatalf("requests: %+v", r)
	}

	// FINISH answers (tokens.md §3.3).
	for _, tc := range []struct {
		name, stderr string
		args         []string
	}{
		{"pending", "condor-auth: request " + id + " is still waiting for an administrator's approval; try again later\n", []string{id}},
		{"wrong client id", "DAEMON:3:Client ID is incorrect.", []string{id, "--client-id", "somebody-else"}},
		{"unknown id", "DAEMON:3:Request ID is not known.", []string{"1234567"}},
		{"not a number", "DAEMON:2:Unable to convert request ID to integer.", []string{"abc"}},
	} {
		r := d.modern(t, "", append([]string{"token", "request", "finish"}, tc.args...)...)
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, tc.stderr) {
			t.Fatalf("finish, %s: %+v", tc.name, r)
		}
	}

	r = d.modern(t, "", "token", "approve", "--reqid", id, "--yes", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &ads); err != nil || len(ads) != 1 || ads[0]["approved"] != true || ads[0]["RequestId"] != id {
		t.Fatalf("approve -o json: %v %+v", err, r)
	}
	r = d.modern(t, "", "token", "request", "finish", id, "--token", "alice")
	p := filepath.Join(d.local, "tokens.d", "alice")
	want(t, "finish --token", r, 0, "", "Token written to "+p+"\n")
	data, _ := os.ReadFile(p)
	wantClaims(t, strings.TrimSuffix(string(data), "\n"), "alice@e2e.local", 600, "condor:/READ")

	// --timeout bounds the wait; the request stays and can be finished.
	r = d.modern(t, "", "token", "request", "--identity", "dave", "--timeout", "1s")
	m := regexp.MustCompile(`request ([0-9]{7}) is still pending`).FindStringSubmatch(r.stderr)
	if r.code != 7 || r.stdout != "" || m == nil || !strings.Contains(r.stderr, "gave up waiting after 1s") {
		t.Fatalf("request --timeout 1s: %+v", r)
	}
	if r := d.modern(t, "", "token", "approve", "--all", "--yes"); r.code != 0 || r.stdout != "Request "+m[1]+" approved.\n" {
		t.Fatalf("approve --all: %+v", r)
	}
	wantClaims(t, jsonToken(t, d.modern(t, "", "token", "request", "finish", m[1], "-o", "json")), "dave@e2e.local", -1, "")

	// The daemon is the schedd too: R13, RL12, A10.
	r = d.modern(t, "", "token", "request", "--type", "schedd", "--identity", "sched", "--no-wait")
	sid := strings.TrimSuffix(r.stdout, "\n")
	s := pendingReq{id: sid, clientID: clientIDOf(t), authn: selfFQU(), requested: "sched@e2e.local", lifetime: -1}
	want(t, "RL12 list -type schedd", d.bare(t, nil, "", "condor_token_request_list", "-type", "schedd"), 0, s.longBlock(), "")
	want(t, "A10 approve -type schedd", d.bare(t, nil, "yes\n", "condor_token_request_approve", "-type", "schedd"), 0,
		s.prompt()+"Request "+sid+" approved successfully.\n", "")
	wantClaims(t, jsonToken(t, d.modern(t, "", "token", "request", "finish", sid, "--type", "schedd", "-o", "json")), "sched@e2e.local", -1, "")
}
