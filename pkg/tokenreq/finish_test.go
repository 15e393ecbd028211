package tokenreq

import (
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/condorerr"
)

func TestFinishFlow(t *testing.T) {
	s := openMem(t, Options{Rand: ids(642594)})
	signer := &fakeSigner{}
	id := start(t, s, t0, requester, "alice@example.net", []string{"READ", "WRITE"}, 3600, "vm-755")
	if id != "0642594" {
		t.Fatalf("id %q", id)
	}
	for i := range 3 {
		tok, err := s.Finish(at(int64(5*i)), requester, id, "vm-755")
		if err != nil || tok != "" {
			t.Fatalf("poll %d of a pending request = %q, %v; want \"\", nil", i, tok, err)
		}
	}
	wantErr(t, func() error { _, err := s.Finish(at(5), requester, id, "vm-756"); return err }(), 3, "Client ID is incorrect.")
	noErr(t, s.Approve(at(6), admin, id, "vm-755", signer))
	if c := signer.lastCall(); c.Identity != "alice@example.net" || len(c.Authz) != 2 || c.Lifetime != 3600 {
		t.Fatalf("signed %+v", c)
	}
	// Approved requests are no longer listed.
	if got := listIDs(t, s, at(7), admin, ""); len(got) != 0 {
		t.Fatalf("approved request listed: %v", got)
	}
	tok, err := s.Finish(at(10), requester, id, "vm-755")
	if err != nil || tok != "tok1.alice@example.net.READ,WRITE.3600" {
		t.Fatalf("Finish = %q, %v", tok, err)
	}
	// One-shot: the token is handed out once.
	_, err = s.Finish(at(11), requester, id, "vm-755")
	wantErr(t, err, 3, "Request ID is not known.")
}

func TestFinishArguments(t *testing.T) {
	s := openMem(t, Options{Rand: ids(642594), Knobs: Knobs{RatePerPeer: -1}})
	id := start(t, s, t0, requester, "a@x", nil, -1, "c")
	tests := []struct {
		reqID, clientID string
		code            int
		msg             string
	}{
		{"", "c", 2, "No request ID provided."},
		{"", "", 2, "No request ID provided."}, // the request id check comes last in the C++
		{"abc", "c", 2, "Unable to convert request ID to integer."},
		{"0642594 ", "c", 2, "Unable to convert request ID to integer."},
		{"64259x", "c", 2, "Unable to convert request ID to integer."},
		{"99999999999", "c", 2, "Unable to convert request ID to integer."}, // beyond a C int
		{"+", "c", 2, "Unable to convert request ID to integer."},
		{" ", "c", 2, "Unable to convert request ID to integer."},
		{id, "", 2, "No client ID provided."},
		{"1234567", "c", 3, "Request ID is not known."},
		{"-642594", "c", 3, "Request ID is not known."},
		{id, "C", 3, "Client ID is incorrect."},
		{id, "c ", 3, "Client ID is incorrect."},
		// FINISH parses the id as an integer (tokens.md §11 item 4).
		{"642594", "c", 0, ""},
		{" \t+0642594", "c", 0, ""},
		{id, "c", 0, ""},
	}
	for _, tt := range tests {
		tok, err := s.Finish(at(1), requester, tt.reqID, tt.clientID)
		if tt.code == 0 {
			if err != nil || tok != "" {
				t.Errorf("Finish(%q, %q) = %q, %v; want pending", tt.reqID, tt.clientID, tok, err)
			}
			continue
		}
		e, ok := AsError(err)
		if !ok || e.Code != tt.code || e.Message != tt.msg || tok != "" {
			t.Errorf("Finish(%q, %q) = %q, %v; want (%d, %q)", tt.reqID, tt.clientID, tok, err, tt.code, tt.msg)
		}
	}
}

func TestExpiryTimings(t *testing.T) {
	for _, lifetime := range []time.Duration{0, time.Minute} {
		L := int64(3600)
		if lifetime > 0 {
			L = int64(lifetime / time.Second)
		}
		t.Run(lifetime.String(), func(t *testing.T) {
			s := openMem(t, Options{Knobs: Knobs{RequestLifetime: lifetime, RatePerPeer: -1}})
			signer := &fakeSigner{}
			pending := start(t, s, t0, requester, "a@x", nil, -1, "p")
			approved := start(t, s, t0, requester, "a@x", nil, -1, "s")
			expired := start(t, s, t0, requester, "a@x", nil, -1, "e")
			noErr(t, s.Approve(at(1), admin, approved, "s", signer))

			// Pending up to and including time + lifetime (isExpiredAt is "<").
			if got := listIDs(t, s, at(L), admin, ""); len(got) != 2 {
				t.Fatalf("at +%d: listed %v, want 2 pending", L, got)
			}
			if tok, err := s.Finish(at(L), requester, pending, "p"); err != nil || tok != "" {
				t.Fatalf("at +%d: Finish = %q, %v", L, tok, err)
			}
			// One second later they are Expired: no longer listed nor approvable.
			if got := listIDs(t, s, at(L+1), admin, ""); len(got) != 0 {
				t.Fatalf("at +%d: listed %v", L+1, got)
			}
			wantErr(t, s.Approve(at(L+1), admin, pending, "p", signer), 5, "Request in incorrect state.")
			_, err := s.Finish(at(L+1), requester, expired, "e")
			wantErr(t, err, 5, "Request has expired.")
			_, err = s.Finish(at(L+2), requester, expired, "e") // reported once
			wantErr(t, err, 3, "Request ID is not known.")

			// An approved token stays collectable until time + lifetime + 3600 ...
			end := L + 3600
			_, err = s.Finish(at(end), requester, pending, "p")
			wantErr(t, err, 5, "Request has expired.")
			// ... and is deleted after that.
			_, err = s.Finish(at(end+1), requester, approved, "s")
			wantErr(t, err, 3, "Request ID is not known.")
		})
	}

	s := openMem(t, Options{})
	approved := start(t, s, t0, requester, "a@x", nil, -1, "s")
	noErr(t, s.Approve(at(1), admin, approved, "s", &fakeSigner{}))
	if tok, err := s.Finish(at(7200), requester, approved, "s"); err != nil || tok == "" {
		t.Fatalf("approved token at the last second: %q, %v", tok, err)
	}
}

func TestFailedRequests(t *testing.T) {
	s := openMem(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	signErr := condorerr.New("PASSWD", 1, "Issuer namespace is not set")
	id := start(t, s, t0, requester, "a@x", nil, -1, "c")
	err := s.Approve(at(1), admin, id, "c", &fakeSigner{signErr: signErr})
	wantErr(t, err, 1, "PASSWD:1:Issuer namespace is not set")
	_, err = s.Finish(at(2), requester, id, "c")
	wantErr(t, err, 4, "Request failed.")
	_, err = s.Finish(at(3), requester, id, "c")
	wantErr(t, err, 3, "Request ID is not known.")

	// A signer that returns no token fails the request too.
	id = start(t, s, t0, requester, "a@x", nil, -1, "c")
	wantErr(t, s.Approve(at(1), admin, id, "c", &fakeSigner{empty: true}), 6, "Internal state error.")
	_, err = s.Finish(at(2), requester, id, "c")
	wantErr(t, err, 4, "Request failed.")

	// A missing key at approval leaves the request pending.
	id = start(t, s, t0, requester, "a@x", nil, -1, "c")
	keyErr := condorerr.New("TOKEN_UTILS", 4, "Server does not have a signing key configured.")
	wantErr(t, s.Approve(at(1), admin, id, "c", &fakeSigner{keyErr: keyErr}), 4, "TOKEN_UTILS:4:Server does not have a signing key configured.")
	if tok, err := s.Finish(at(2), requester, id, "c"); err != nil || tok != "" {
		t.Fatalf("after a key failure: %q, %v", tok, err)
	}
}

func TestReconfig(t *testing.T) {
	s, path := openFile(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	signer := &fakeSigner{}
	pending := start(t, s, t0, requester, "a@x", nil, -1, "p")
	approved := start(t, s, t0, requester, "a@x", nil, -1, "s")
	noErr(t, s.Approve(at(1), admin, approved, "s", signer))
	expired := start(t, s, t0, requester, "a@x", nil, 10, "e")
	if _, err := s.AutoApprove(at(2), admin, "127.0.0.0/8", 600, signer); err != nil {
		t.Fatal(err)
	}
	noErr(t, s.Reconfig(at(3)))

	// Reopen: the reconfig was saved.
	noErr(t, s.Close())
	s = openMem(t, Options{Path: path, Knobs: Knobs{RatePerPeer: -1, RequestLifetime: 5 * time.Second}})
	for _, r := range []struct{ id, client string }{{pending, "p"}, {approved, "s"}, {expired, "e"}} {
		_, err := s.Finish(at(4), requester, r.id, r.client)
		wantErr(t, err, 4, "Request failed.") // acceptance RB-44
	}
	// The rule is gone: a daemon request is queued, not auto-approved.
	res, err := s.Start(at(5), requester, StartRequest{RequestedIdentity: "condor@x", Authz: []string{"ADVERTISE_STARTD"}, ClientID: "d", Lifetime: -1}, signer)
	noErr(t, err)
	if res.Token != "" {
		t.Fatal("auto-approved after reconfig")
	}
	// Reconfig with nothing to fail writes nothing and succeeds.
	s2 := openMem(t, Options{})
	noErr(t, s2.Reconfig(t0))
}

func TestCleanup(t *testing.T) {
	s, path := openFile(t, Options{})
	start(t, s, t0, requester, "a@x", nil, -1, "c")
	if _, err := s.AutoApprove(t0, admin, "10.0.0.0/8", 60, &fakeSigner{}); err != nil {
		t.Fatal(err)
	}
	noErr(t, s.Cleanup(at(30)))
	if st := mustLoad(t, path); len(st.reqs) != 1 || len(st.rules) != 1 {
		t.Fatalf("cleanup at +30 removed live entries: %d requests, %d rules", len(st.reqs), len(st.rules))
	}
	noErr(t, s.Cleanup(at(61)))
	if st := mustLoad(t, path); len(st.reqs) != 1 || len(st.rules) != 0 {
		t.Fatalf("cleanup at +61: %d requests, %d rules; want the rule gone", len(st.reqs), len(st.rules))
	}
	noErr(t, s.Cleanup(at(3601)))
	if st := mustLoad(t, path); st.reqs[firstID(st)].state != Expired {
		t.Fatal("cleanup at +3601 did not mark the request expired")
	}
	noErr(t, s.Cleanup(at(7201)))
	if st := mustLoad(t, path); len(st.reqs) != 0 {
		t.Fatalf("cleanup at +7201 kept %d requests", len(st.reqs))
	}
}

func firstID(st *state) int {
	for id := range st.reqs {
		return id
	}
	return -1
}

func mustLoad(t testing.TB, path string) *state {
	t.Helper()
	st, err := loadState(path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestClosed(t *testing.T) {
	s := openMem(t, Options{})
	id := start(t, s, t0, requester, "a@x", nil, -1, "c")
	noErr(t, s.Close())
	noErr(t, s.Close())
	const msg = "Token request service is shut down."
	_, err := s.Start(t0, requester, StartRequest{RequestedIdentity: "a@x", ClientID: "c"}, &fakeSigner{})
	wantErr(t, err, CodeNotSaved, msg)
	_, err = s.Finish(t0, requester, id, "c")
	wantErr(t, err, CodeNotSaved, msg)
	_, err = s.List(t0, admin, "")
	wantErr(t, err, CodeNotSaved, msg)
	wantErr(t, s.Approve(t0, admin, id, "c", &fakeSigner{}), CodeNotSaved, msg)
	_, err = s.AutoApprove(t0, admin, "*", 60, &fakeSigner{})
	wantErr(t, err, CodeNotSaved, msg)
	wantErr(t, s.Reconfig(t0), CodeNotSaved, msg)
	wantErr(t, s.Cleanup(t0), CodeNotSaved, msg)
}
