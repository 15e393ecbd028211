package main

// End-to-end tests of the token-request state machine through processes
// (tokens.md §2, §3.3, §8.1): reconfig, expiry, the pending-request
// limit. Restart persistence is TestServeRequestApproveRestart.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// noWait makes a request with the modern verb and returns its id.
func noWait(t *testing.T, d *daemon, args ...string) string {
	t.Helper()
	r := d.modern(t, "", append([]string{"token", "request", "--no-wait", "-o", "json"}, args...)...)
	var out struct {
		RequestID string `json:"request_id"`
		Status    string `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 || out.Status != "pending" || !reqIDRe.MatchString(out.RequestID) {
		t.Fatalf("request %v: %v %+v", args, err, r)
	}
	return out.RequestID
}

// TestTokenRequestReconfig: a reconfig (SIGHUP, condor_reconfig) fails
// every stored request and drops the auto-approval rules (tokens.md §2),
// and re-creates a POOL key that went missing (RB-45). Without the POOL
// key the daemon refuses to issue (RB-37, RB-45).
func TestTokenRequestReconfig(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	d.start(t)
	defer d.stop(t)
	pool := filepath.Join(d.local, "passwords.d", "POOL")

	waiting := d.spawn(t, nil, "condor_token_request", "-identity", "gail")
	approved := noWait(t, d, "--identity", "hal")
	if r := d.modern(t, "", "token", "approve", "--reqid", approved, "--yes"); r.code != 0 {
		t.Fatalf("approve: %+v", r)
	}
	gail := waitListed(t, d, 1)["gail@e2e.local"]
	rule := d.bare(t, nil, "", "condor_token_request_auto_approve", "-netblock", "127.0.0.0/8", "-lifetime", "600")
	want(t, "rule", rule, 0, "Successfully installed auto-approval rule for netblock 127.0.0.0/8 with lifetime of 0.17 hours\n"+
		"The following requests remain after auto-approval rule was installed:\n"+strings.Repeat("=", 50)+"\n"+gail.serverOrder()+"\n"+
		strings.Repeat("=", 50)+"\nTo approve these requests, please run condor_token_request_approve manually.\n", "")

	if err := os.Remove(pool); err != nil {
		t.Fatal(err)
	}
	t.Run("RB-37 fetch without the POOL key", func(t *testing.T) {
		want(t, "fetch", d.bare(t, nil, "", "condor_token_fetch"), 1, "",
			"Failed to request a session token: DAEMON:1:Server does not have access to configured key.\n")
	})
	t.Run("RB-45 request without the POOL key", func(t *testing.T) {
		want(t, "request", d.bare(t, nil, "", "condor_token_request", "-identity", "ivy"), 1, "",
			"Failed to request a new token: DAEMON:4:TOKEN_UTILS:4:Server does not have a signing key configured.\n")
	})

	d.reload(t)
	t.Run("RB-45 reconfig re-creates the POOL key", func(t *testing.T) {
		wantFile(t, pool, 0o600, os.Getuid())
		if fi, _ := os.Stat(pool); fi.Size() != 64 {
			t.Fatalf("POOL key of %d bytes, want 64", fi.Size())
		}
		if n := strings.Count(readFile(d.log), "Created POOL token signing key in file "+pool+"\n"); n != 2 {
			t.Fatalf("%d key creation lines in the log, want 2", n)
		}
	})
	t.Run("RB-44 the waiting requester learns its request failed", func(t *testing.T) {
		want(t, "requester", waiting.wait(t, pollWait), 1, enqueued(gail.id),
			"Failed to get a status update for token request: DAEMON:4:Request failed.\n")
	})
	t.Run("approved but not collected fails too", func(t *testing.T) {
		r := d.modern(t, "", "token", "request", "finish", approved)
		if r.code != 1 || !strings.Contains(r.stderr, "DAEMON:4:Request failed.") {
			t.Fatalf("finish after reconfig: %+v", r)
		}
	})
	t.Run("rules are dropped", func(t *testing.T) {
		// Before the reconfig this request would have been approved at once
		// (RB-47).
		id := noWait(t, d, "--identity", "condor", "--authz", "ADVERTISE_STARTD")
		want(t, "listed", d.bare(t, nil, "", "condor_token_request_list", "-reqid", id), 0,
			pendingReq{id: id, clientID: clientIDOf(t), authn: selfFQU(), requested: "condor@e2e.local", authz: "ADVERTISE_STARTD", lifetime: -1}.longBlock(), "")
	})
}

// TestTokenRequestExpiry: a pending request expires
// SEC_TOKEN_REQUEST_LIFETIME seconds after it was made (tokens.md §2,
// §3.3, §8.1; expiry is evaluated at each call, pkg/tokenreq). The
// requester is told at its next poll, the approver no longer sees it.
func TestTokenRequestExpiry(t *testing.T) {
	t.Parallel()
	d := servePoolWith(t, "SEC_TOKEN_REQUEST_LIFETIME = 3\n")
	d.start(t)
	defer d.stop(t)
	waiting := d.spawn(t, nil, "condor_token_request", "-identity", "old")
	id := noWait(t, d, "--identity", "older")
	// Listed means pending; both were made before `made`.
	reqs := waitListed(t, d, 2)
	made := time.Now()
	// Times are whole seconds and a request expires once now > time +
	// lifetime, so at most lifetime + 1 s after it was made.
	time.Sleep(time.Until(made.Add(4*time.Second + 50*time.Millisecond)))

	// The approver's view (tokens.md §9.5, §9.6).
	want(t, "list", d.bare(t, nil, "", "condor_token_request_list"), 0, "", "Remote daemon reports no requests pending.\n")
	gone := "Remote daemon did not provide information for request ID " + id + ".\n"
	want(t, "list -reqid", d.bare(t, nil, "", "condor_token_request_list", "-reqid", id), 1, "", gone)
	want(t, "approve -reqid", d.bare(t, nil, "yes\n", "condor_token_request_approve", "-reqid", id), 1, "", gone)
	want(t, "approve", d.bare(t, nil, "yes\n", "condor_token_request_approve"), 1, "", "Remote daemon has no request to approve.\n")
	if r := d.modern(t, "", "token", "approve", "--reqid", id, "--yes"); r.code != 1 || !strings.Contains(r.stderr, "no pending request "+id+" is visible to you") {
		t.Fatalf("modern approve: %+v", r)
	}

	// The requesters' view: expired once, then unknown.
	r := d.modern(t, "", "token", "request", "finish", id)
	if r.code != 1 || !strings.Contains(r.stderr, "DAEMON:5:Request has expired.") {
		t.Fatalf("finish: %+v", r)
	}
	r = d.modern(t, "", "token", "request", "finish", id)
	if r.code != 1 || !strings.Contains(r.stderr, "DAEMON:3:Request ID is not known.") {
		t.Fatalf("finish again: %+v", r)
	}
	want(t, "requester", waiting.wait(t, pollWait), 1, enqueued(reqs["old@e2e.local"].id),
		"Failed to get a status update for token request: DAEMON:5:Request has expired.\n")
}

// TestTokenRequestLimit: CONDOR_AUTH_TOKEN_REQUEST_MAX (3 in servePool)
// bounds the stored requests, approved-but-uncollected ones included,
// with HTCondor's unsent error (tokens.md §3.2, §11 item 1); collecting a
// token frees its place.
func TestTokenRequestLimit(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	d.start(t)
	defer d.stop(t)
	ids := []string{noWait(t, d, "--identity", "a"), noWait(t, d, "--identity", "b"), noWait(t, d, "--identity", "c")}
	full := "Failed to request a new token: DAEMON:3:Too many requests in the system.\n"
	want(t, "fourth", d.bare(t, nil, "", "condor_token_request", "-identity", "d"), 1, "", full)
	if r := d.modern(t, "", "token", "request", "--identity", "d", "--no-wait"); r.code != 1 || !strings.Contains(r.stderr, "DAEMON:3:Too many requests in the system.") {
		t.Fatalf("modern fourth: %+v", r)
	}
	if r := d.modern(t, "", "token", "approve", "--reqid", ids[0], "--yes"); r.code != 0 {
		t.Fatalf("approve: %+v", r)
	}
	want(t, "approved, not collected", d.bare(t, nil, "", "condor_token_request", "-identity", "d"), 1, "", full)
	wantClaims(t, jsonToken(t, d.modern(t, "", "token", "request", "finish", ids[0], "-o", "json")), "a@e2e.local", -1, "")
	noWait(t, d, "--identity", "d")
	want(t, "full again", d.bare(t, nil, "", "condor_token_request", "-identity", "e"), 1, "", full)
}
