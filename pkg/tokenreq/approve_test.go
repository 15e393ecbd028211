package tokenreq

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestApproveChecks(t *testing.T) {
	bob := user("bob@example.org")
	bounded := func(c Caller, limit ...string) Caller { c.Limit = limit; return c }
	expiring := func(c Caller, exp int64) Caller { c.TokenExpiry = at(exp); return c }

	type req struct {
		identity string
		authz    []string
		lifetime int64
	}
	bobRead := req{"bob@example.org", []string{"READ"}, 300}
	tests := []struct {
		name     string
		req      req
		caller   Caller
		reqID    string // "" → the request's id; "-" → empty
		clientID string // "" → the request's client id; "-" → empty
		approved bool   // approve it first
		code     int
		msg      string
	}{
		{name: "admin", req: req{"alice@example.org", nil, -1}, caller: admin},
		{name: "no request id", req: bobRead, caller: admin, reqID: "-", code: 1, msg: "Request ID not provided."},
		{name: "bad request id", req: bobRead, caller: admin, reqID: "abc", code: 2, msg: "Unable to convert request ID to integer."},
		{name: "bad request id, no client id", req: bobRead, caller: admin, reqID: "1x", clientID: "-", code: 2, msg: "Unable to convert request ID to integer."},
		{name: "unknown", req: bobRead, caller: admin, reqID: "1234567", code: 5, msg: "Request unknown."},
		{name: "unknown beats no client id", req: bobRead, caller: admin, reqID: "1234567", clientID: "-", code: 5, msg: "Request unknown."},
		{name: "no client id", req: bobRead, caller: admin, clientID: "-", code: 1, msg: "Client ID not provided."},
		{name: "wrong client id", req: bobRead, caller: admin, clientID: "other", code: 5, msg: "Request unknown."},
		{name: "already approved", req: bobRead, caller: admin, approved: true, code: 5, msg: "Request in incorrect state."},
		{name: "own identity", req: bobRead, caller: bob},
		{name: "other identity", req: req{"alice@example.org", []string{"READ"}, 300}, caller: bob, code: 6, msg: "Insufficient privilege to approve request."},
		{name: "state before identity", req: req{"alice@example.org", nil, -1}, caller: bob, approved: true, code: 5, msg: "Request in incorrect state."},
		{name: "identity is exact", req: req{"Bob@example.org", nil, -1}, caller: bob, code: 6, msg: "Insufficient privilege to approve request."},
		{name: "unauthenticated approves its own", req: req{"unauthenticated@unmapped", nil, -1}, caller: user("")},

		{name: "bounded, within", req: bobRead, caller: bounded(bob, "READ")},
		{name: "bounded, implied", req: bobRead, caller: bounded(bob, "WRITE")},
		{name: "bounded, implied twice", req: bobRead, caller: bounded(bob, "ADMINISTRATOR")},
		{name: "bounded, implied from lower case", req: bobRead, caller: bounded(bob, "daemon")},
		{name: "bounded, literal lower case", req: req{"bob@example.org", []string{"daemon"}, 300}, caller: bounded(bob, "daemon")},
		{name: "bounded, literal compare", req: req{"bob@example.org", []string{"DAEMON"}, 300}, caller: bounded(bob, "daemon"),
			code: 7, msg: "Insufficient privilege to approve request (scope restricted)."},
		{name: "bounded, ALLOW always", req: req{"bob@example.org", []string{"ALLOW", "READ"}, 300}, caller: bounded(bob, "READ")},
		{name: "bounded, outside", req: req{"bob@example.org", []string{"READ", "WRITE"}, 300}, caller: bounded(bob, "READ"),
			code: 7, msg: "Insufficient privilege to approve request (scope restricted)."},
		{name: "bounded, unbounded request", req: req{"bob@example.org", nil, 300}, caller: bounded(bob, "READ,WRITE"),
			code: 7, msg: "Insufficient privilege to approve request (scope restricted)."},
		{name: "bounded admin", req: req{"bob@example.org", nil, 300}, caller: bounded(admin, "ADMINISTRATOR")},

		{name: "expiring, fits", req: bobRead, caller: expiring(bob, 10+300)},
		{name: "expiring, too long", req: bobRead, caller: expiring(bob, 10+299),
			code: 8, msg: "Insufficient privilege to approve request (lifetime)."},
		{name: "expiring, no lifetime", req: req{"bob@example.org", []string{"READ"}, -1}, caller: expiring(bob, 1<<30),
			code: 8, msg: "Insufficient privilege to approve request (lifetime)."},
		{name: "expiring, huge lifetime", req: req{"bob@example.org", []string{"READ"}, 1 << 62}, caller: expiring(bob, 1<<30),
			code: 8, msg: "Insufficient privilege to approve request (lifetime)."},
		{name: "scope before lifetime", req: req{"bob@example.org", nil, -1}, caller: expiring(bounded(bob, "READ"), 1),
			code: 7, msg: "Insufficient privilege to approve request (scope restricted)."},
		{name: "expiring admin", req: req{"bob@example.org", nil, -1}, caller: expiring(admin, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openMem(t, Options{})
			signer := &fakeSigner{}
			id := start(t, s, t0, requester, tt.req.identity, tt.req.authz, tt.req.lifetime, "vm-1")
			if tt.approved {
				noErr(t, s.Approve(at(1), admin, id, "vm-1", signer))
			}
			reqID, clientID := id, "vm-1"
			switch tt.reqID {
			case "-":
				reqID = ""
			case "":
			default:
				reqID = tt.reqID
			}
			switch tt.clientID {
			case "-":
				clientID = ""
			case "":
			default:
				clientID = tt.clientID
			}
			err := s.Approve(at(10), tt.caller, reqID, clientID, signer)
			if tt.code != 0 {
				wantErr(t, err, tt.code, tt.msg)
				if !tt.approved {
					if tok, err := s.Finish(at(11), requester, id, "vm-1"); err != nil || tok != "" {
						t.Fatalf("refused approval changed the request: %q, %v", tok, err)
					}
				}
				return
			}
			noErr(t, err)
			want := signCall{tt.req.identity, tt.req.authz, tt.req.lifetime}
			if diff := cmp.Diff(want, signer.lastCall(), cmpEmpty); diff != "" {
				t.Fatalf("signed (-want +got):\n%s", diff)
			}
			if tok, err := s.Finish(at(11), requester, id, "vm-1"); err != nil || tok == "" {
				t.Fatalf("Finish after approval: %q, %v", tok, err)
			}
		})
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) })

func TestListVisibility(t *testing.T) {
	s := openMem(t, Options{Rand: ids(642594, 123456, 5878418, 1)})
	alice := start(t, s, t0, requester, "alice@htc.local", []string{"READ", "WRITE"}, 3600, "vm-755")
	bob := start(t, s, at(1), requester, "bob@htc.local", nil, -1, "vm-184")
	unauth := start(t, s, at(2), user(""), "unauthenticated@unmapped", nil, -1, "vm-235")

	tests := []struct {
		name   string
		caller Caller
		filter string
		want   []string
	}{
		{"admin sees all, oldest first", admin, "", []string{alice, bob, unauth}},
		{"bob sees his own", user("bob@htc.local"), "", []string{bob}},
		{"nobody else sees any", user("carol@htc.local"), "", []string{}},
		{"requester identity does not matter", user("condor@example.net"), "", []string{}},
		{"empty FQU is unauthenticated@unmapped", user(""), "", []string{unauth}},
		{"filter", admin, alice, []string{alice}},
		{"filter for another identity", user("bob@htc.local"), alice, []string{}},
		// The filter is a string comparison (tokens.md §11 item 4).
		{"filter without leading zero", admin, "123456", []string{}},
		{"filter with leading zero", admin, "0123456", []string{bob}},
		{"filter unknown", admin, "1234567", []string{}},
	}
	if bob != "0123456" {
		t.Fatalf("bob's id %q", bob)
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, listIDs(t, s, at(3), tt.caller, tt.filter)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	_, err := s.List(at(3), admin, "abc")
	wantErr(t, err, 2, "Unable to convert request ID to integer.") // acceptance RB-51

	// Every attribute and the public string of the first request.
	reqs, err := s.List(at(3), admin, alice)
	noErr(t, err)
	want := Request{ID: "0642594", ClientID: "vm-755", RequesterIdentity: "condor@example.net",
		RequestedIdentity: "alice@htc.local", PeerLocation: "127.0.0.1", Authz: []string{"READ", "WRITE"},
		Lifetime: 3600, Time: t0, State: Pending}
	if diff := cmp.Diff([]Request{want}, reqs); diff != "" {
		t.Fatalf("request (-want +got):\n%s", diff)
	}
	// Block A1 of real-tools.md §7.2 in the daemon's order (§19).
	wantAd := []string{`ClientId = "vm-755"`, `RequestId = "0642594"`, `PeerLocation = "127.0.0.1"`,
		`TokenLifetime = 3600`, `RequestedIdentity = "alice@htc.local"`, `LimitAuthorization = "READ,WRITE"`,
		`AuthenticatedIdentity = "condor@example.net"`}
	if diff := cmp.Diff(wantAd, render(reqs[0].AdAttrs())); diff != "" {
		t.Fatalf("ad (-want +got):\n%s", diff)
	}
	if got, want := reqs[0].PublicString(), "[requested_id = alice@htc.local; requester_id = condor@example.net; peer_location = 127.0.0.1; m_authz_bounding_set = READ,WRITE]"; got != want {
		t.Fatalf("PublicString = %q", got)
	}
	// Block A9: no lifetime, no authorizations.
	reqs, _ = s.List(at(3), admin, unauth)
	wantAd = []string{`ClientId = "vm-235"`, `RequestId = "5878418"`, `PeerLocation = "127.0.0.1"`,
		`RequestedIdentity = "unauthenticated@unmapped"`, `AuthenticatedIdentity = "unauthenticated@unmapped"`}
	if diff := cmp.Diff(wantAd, render(reqs[0].AdAttrs())); diff != "" {
		t.Fatalf("ad (-want +got):\n%s", diff)
	}
	if got := reqs[0].PublicString(); got != "[requested_id = unauthenticated@unmapped; requester_id = unauthenticated@unmapped; peer_location = 127.0.0.1; m_authz_bounding_set = <none>]" {
		t.Fatalf("PublicString = %q", got)
	}

	// Snapshots are copies.
	reqs[0].Authz = append(reqs[0].Authz, "X")
	again, _ := s.List(at(3), admin, unauth)
	if len(again[0].Authz) != 0 {
		t.Fatal("List exposed internal state")
	}
	// IPv6 peers are listed in their usual form.
	s6 := openMem(t, Options{Rand: ids(7, 0)})
	start(t, s6, t0, from(requester, "2001:db8::1"), "a@x", nil, -1, "c")
	reqs, _ = s6.List(t0, admin, "")
	if reqs[0].PeerLocation != "2001:db8::1" {
		t.Fatalf("PeerLocation %q", reqs[0].PeerLocation)
	}
	start(t, s6, t0, from(requester, "::ffff:10.1.2.3"), "a@x", nil, -1, "c")
	if got := s6.mustOnly(t, "0000000"); got.PeerLocation != "10.1.2.3" {
		t.Fatalf("mapped PeerLocation %q", got.PeerLocation)
	}
}

// mustOnly returns the single listed request with id.
func (s *Store) mustOnly(t testing.TB, id string) Request {
	t.Helper()
	reqs, err := s.List(t0, admin, id)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("List(%q) = %v, %v", id, reqs, err)
	}
	return reqs[0]
}

func TestStateNames(t *testing.T) {
	for s, want := range map[State]string{Pending: "pending", Successful: "successful", Failed: "failed", Expired: "expired", State(9): "State(9)", State(-1): "State(-1)"} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(s), got, want)
		}
	}
	if time.Unix(0, 0).IsZero() {
		t.Fatal("the epoch must count as a token expiry")
	}
}
