package tokenreq

import (
	"testing"

	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/google/go-cmp/cmp"
)

func TestAutoApproveRuleErrors(t *testing.T) {
	s := openMem(t, Options{})
	signer := &fakeSigner{}
	tests := []struct {
		caller   Caller
		netblock string
		lifetime int64
		code     int
		msg      string
	}{
		{requester, "127.0.0.0/8", 60, 6, "Insufficient privilege to create auto-approval rule."},
		{admin, "127.0.0.1/32", 0, -1, "DAEMON:-1:Auto-approval rule lifetimes must be greater than zero."},
		{admin, "127.0.0.1/32", -1, -1, "DAEMON:-1:Auto-approval rule lifetimes must be greater than zero."},
		{admin, "bogus", 0, -1, "DAEMON:-1:Auto-approval rule lifetimes must be greater than zero."}, // lifetime first
		{admin, "bogus", 60, -2, "DAEMON:-2:Auto-approval rule netblock invalid."},
		{admin, "", 60, -2, "DAEMON:-2:Auto-approval rule netblock invalid."},
	}
	for _, tt := range tests {
		approved, err := s.AutoApprove(t0, tt.caller, tt.netblock, tt.lifetime, signer)
		wantErr(t, err, tt.code, tt.msg)
		if approved != nil {
			t.Fatalf("approved %v with an error", approved)
		}
	}
	if n := len(s.st.rules); n != 0 {
		t.Fatalf("%d rules added by refused commands", n)
	}
}

// daemonReq is what a daemon's automatic request looks like (tokens.md §8.4).
func daemonReq(authz ...string) StartRequest {
	return StartRequest{RequestedIdentity: "condor@htc.local", Authz: authz, Lifetime: -1, ClientID: "STARTD-vm-123"}
}

func TestAutoApproveOnStart(t *testing.T) {
	s := openMem(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	signer := &fakeSigner{}
	if _, err := s.AutoApprove(t0, admin, "127.0.0.0/8", 600, signer); err != nil {
		t.Fatal(err)
	}
	// R12: approved at once, even without encryption or authentication.
	for _, c := range []Caller{requester, {Peer: localhost}} {
		res, err := s.Start(at(100), c, StartRequest{RequestedIdentity: "condor@htc.local", Authz: []string{"ADVERTISE_STARTD"}, Lifetime: 3600, ClientID: "vm-1"}, signer)
		noErr(t, err)
		if res.Token == "" || len(res.RequestID) != 7 || res.Rule != "[netblock = 127.0.0.0/8; lifetime_left = 500]" {
			t.Fatalf("Start = %+v", res)
		}
		if diff := cmp.Diff(signCall{"condor@htc.local", []string{"ADVERTISE_STARTD"}, 3600}, signer.lastCall()); diff != "" {
			t.Fatalf("signed (-want +got):\n%s", diff)
		}
		// Nothing is stored: the client does not poll.
		if got := listIDs(t, s, at(100), admin, ""); len(got) != 0 {
			t.Fatalf("auto-approved request stored: %v", got)
		}
		if _, err := s.Finish(at(101), requester, res.RequestID, "vm-1"); err == nil {
			t.Fatal("auto-approved request can be finished")
		}
	}

	// Requests the rule does not cover are queued (R11).
	notCovered := []struct {
		name   string
		caller Caller
		req    StartRequest
	}{
		{"user identity", requester, StartRequest{RequestedIdentity: "henry@htc.local", Authz: []string{"READ"}, Lifetime: 120, ClientID: "c"}},
		{"condor without authz", requester, daemonReq()},
		{"condor with READ", requester, daemonReq("ADVERTISE_STARTD", "READ")},
		{"prefix is exact", requester, StartRequest{RequestedIdentity: "condorx@htc.local", Authz: []string{"ADVERTISE_STARTD"}, Lifetime: -1, ClientID: "c"}},
		{"case matters", requester, daemonReq("advertise_startd")},
		{"other network", from(requester, "10.0.0.1"), daemonReq("ADVERTISE_STARTD")},
		{"other family", from(requester, "::1"), daemonReq("ADVERTISE_STARTD")},
	}
	for _, tt := range notCovered {
		res, err := s.Start(at(100), tt.caller, tt.req, signer)
		if err != nil || res.Token != "" || res.Rule != "" {
			t.Errorf("%s: Start = %+v, %v; want queued", tt.name, res, err)
		}
	}
	// Every daemon authorization qualifies, ADVERTISE_MASTER included (§11 item 3).
	res, err := s.Start(at(100), requester, daemonReq("ADVERTISE_MASTER", "ADVERTISE_SCHEDD", "ADVERTISE_STARTD"), signer)
	if err != nil || res.Token == "" {
		t.Fatalf("ADVERTISE_MASTER: %+v, %v", res, err)
	}
	// Up to and including the rule's expiry.
	if res, _ := s.Start(at(600), requester, daemonReq("ADVERTISE_SCHEDD"), signer); res.Token == "" {
		t.Fatal("not approved at the rule's last second")
	}
	if res, _ := s.Start(at(601), requester, daemonReq("ADVERTISE_SCHEDD"), signer); res.Token != "" {
		t.Fatal("approved after the rule expired")
	}

	// A signing failure is reported and nothing is stored.
	if _, err := s.AutoApprove(at(700), admin, "*", 600, signer); err != nil {
		t.Fatal(err)
	}
	before := len(listIDs(t, s, at(700), admin, ""))
	_, err = s.Start(at(700), requester, daemonReq("ADVERTISE_STARTD"), &fakeSigner{signErr: condorerr.New("PASSWD", 1, "Issuer namespace is not set")})
	wantErr(t, err, 1, "PASSWD:1:Issuer namespace is not set")
	_, err = s.Start(at(700), requester, daemonReq("ADVERTISE_STARTD"), &fakeSigner{empty: true})
	wantErr(t, err, 6, "Internal state error.")
	if after := len(listIDs(t, s, at(700), admin, "")); after != before {
		t.Fatalf("failed auto-approvals stored: %d → %d", before, after)
	}
}

func TestAutoApproveExisting(t *testing.T) {
	s := openMem(t, Options{Rand: ids(1, 2, 3, 4, 5, 6, 7, 8), Knobs: Knobs{RatePerPeer: -1}})
	signer := &fakeSigner{}
	daemon := start(t, s, t0, requester, "condor@htc.local", []string{"ADVERTISE_STARTD"}, -1, "d")                   // 0000001
	gina := start(t, s, t0, requester, "gina@htc.local", nil, -1, "g")                                                // 0000002
	short := start(t, s, t0, requester, "condor@htc.local", []string{"ADVERTISE_SCHEDD"}, 10, "s")                    // 0000003
	remote := start(t, s, t0, from(requester, "10.1.2.3"), "condor@htc.local", []string{"ADVERTISE_MASTER"}, -1, "r") // 0000004
	old := start(t, s, at(-31), requester, "condor@htc.local", []string{"ADVERTISE_STARTD"}, -1, "o")                 // 0000005

	// AA5: a rule for another network approves nothing.
	approved, err := s.AutoApprove(at(30), admin, "10.0.0.0/8", 3600, signer)
	noErr(t, err)
	if got := requestIDs(approved); !cmp.Equal(got, []string{remote}) {
		t.Fatalf("10.0.0.0/8 approved %v, want %v", got, []string{remote})
	}
	// AA7: the local rule approves the daemon request made 30 s earlier.
	// The short one's token lifetime (10 s) has passed; old was made 61 s
	// before the rule; gina is not a daemon identity.
	approved, err = s.AutoApprove(at(30), admin, "127.0.0.1/32", 600, signer)
	noErr(t, err)
	if got := requestIDs(approved); !cmp.Equal(got, []string{daemon}) {
		t.Fatalf("127.0.0.1/32 approved %v, want %v", got, []string{daemon})
	}
	if got := listIDs(t, s, at(31), admin, ""); !cmp.Equal(got, []string{old, gina, short}) {
		t.Fatalf("remaining %v", got)
	}
	for _, r := range []struct{ id, client string }{{daemon, "d"}, {remote, "r"}} {
		if tok, err := s.Finish(at(32), requester, r.id, r.client); err != nil || tok == "" {
			t.Fatalf("Finish %s: %q, %v", r.id, tok, err)
		}
	}
	// A request whose token lifetime has run out is not approved: the
	// last second counts.
	for _, tt := range []struct {
		ruleAt int64
		want   bool
	}{{10, true}, {11, false}} {
		s3 := openMem(t, Options{Knobs: Knobs{RatePerPeer: -1}})
		start(t, s3, t0, requester, "condor@htc.local", []string{"ADVERTISE_STARTD"}, 10, "e")
		approved, err := s3.AutoApprove(at(tt.ruleAt), admin, "*", 60, signer)
		noErr(t, err)
		if got := len(approved) == 1; got != tt.want {
			t.Fatalf("rule at +%d approved a 10 s request: %v, want %v", tt.ruleAt, got, tt.want)
		}
	}
	// The grace is 60 s: a request 60 s older than the rule is approved.
	s2 := openMem(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	edge := start(t, s2, at(-60), requester, "condor@htc.local", []string{"ADVERTISE_STARTD"}, -1, "e")
	approved, err = s2.AutoApprove(t0, admin, "127.0.0.1", 60, signer)
	noErr(t, err)
	if got := requestIDs(approved); !cmp.Equal(got, []string{edge}) {
		t.Fatalf("approved %v, want %v", got, []string{edge})
	}
}

func requestIDs(reqs []Request) []string {
	out := []string{}
	for _, r := range reqs {
		out = append(out, r.ID)
	}
	return out
}

func TestAutoApproveLifetimeCap(t *testing.T) {
	s := openMem(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	signer := &fakeSigner{}
	if _, err := s.AutoApprove(t0, admin, "*", 1<<40, signer); err != nil {
		t.Fatal(err)
	}
	if res, _ := s.Start(at(3600), requester, daemonReq("ADVERTISE_STARTD"), signer); res.Token == "" {
		t.Fatal("not approved within the default 3600 s cap")
	}
	if res, _ := s.Start(at(3601), requester, daemonReq("ADVERTISE_STARTD"), signer); res.Token != "" {
		t.Fatal("rule outlived TOKEN_REQUEST_AUTO_APPROVE_MAX_LIFETIME")
	}
	s = openMem(t, Options{Knobs: Knobs{MaxAutoApproveLifetime: 10_000_000_000, RatePerPeer: -1}}) // 10 s
	if _, err := s.AutoApprove(t0, admin, "*", 600, signer); err != nil {
		t.Fatal(err)
	}
	if res, _ := s.Start(at(11), requester, daemonReq("ADVERTISE_STARTD"), signer); res.Token != "" {
		t.Fatal("rule outlived a 10 s cap")
	}
}

func TestAutoApproveSigningProblems(t *testing.T) {
	s := openMem(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	id := start(t, s, t0, requester, "condor@htc.local", []string{"ADVERTISE_STARTD"}, -1, "d")
	keyErr := condorerr.New("TOKEN_UTILS", 4, "Server does not have a signing key configured.")
	_, err := s.AutoApprove(at(1), admin, "127.0.0.0/8", 600, &fakeSigner{keyErr: keyErr})
	wantErr(t, err, 4, "TOKEN_UTILS:4:Server does not have a signing key configured.")
	// The rule stays; once the key is back new requests are approved.
	if res, _ := s.Start(at(2), requester, daemonReq("ADVERTISE_STARTD"), &fakeSigner{}); res.Token == "" {
		t.Fatal("the rule was not kept")
	}
	if tok, err := s.Finish(at(2), requester, id, "d"); err != nil || tok != "" {
		t.Fatalf("existing request: %q, %v; want still pending", tok, err)
	}
	// A signing failure marks the request Failed.
	_, err = s.AutoApprove(at(3), admin, "127.0.0.0/8", 600, &fakeSigner{signErr: condorerr.New("PASSWD", 1, "bad")})
	wantErr(t, err, 1, "PASSWD:1:bad")
	_, err = s.Finish(at(4), requester, id, "d")
	wantErr(t, err, 4, "Request failed.")
}

func TestNetblocks(t *testing.T) {
	tests := []struct {
		netblock string
		valid    bool
		match    []string
		noMatch  []string
	}{
		{"*", true, []string{"127.0.0.1", "::1", "10.0.0.1"}, []string{"", "bogus"}},
		{"*/*", true, []string{"192.0.2.1", "2001:db8::1"}, nil},
		{"127.0.0.1/32", true, []string{"127.0.0.1"}, []string{"127.0.0.2", "::ffff:127.0.0.2"}},
		{"127.0.0.0/8", true, []string{"127.255.0.1", "::ffff:127.0.0.1"}, []string{"128.0.0.1", "::1"}},
		{"10.0.0.0/255.0.0.0", true, []string{"10.9.8.7"}, []string{"11.0.0.1"}},
		{"10.0.0.0/255.255.255.255", true, []string{"10.0.0.0"}, []string{"10.0.0.1"}},
		{"10.1.2.3/0.0.0.0", true, []string{"1.2.3.4"}, []string{"::1"}},
		{"192.168.*", true, []string{"192.168.4.5"}, []string{"192.169.0.1"}},
		{"192.168.", true, []string{"192.168.0.9"}, []string{"192.167.0.1"}},
		{"192.168", true, []string{"192.168.200.1"}, nil},
		{"10", true, []string{"10.20.30.40"}, []string{"11.0.0.1"}},
		{"1.2.3.4", true, []string{"1.2.3.4"}, []string{"1.2.3.5"}},
		{"1.2.3.4.*", true, []string{"1.2.3.4"}, []string{"1.2.3.5"}},
		{"1.2.3.4/99", true, []string{"1.2.3.4"}, []string{"1.2.3.5"}},
		{"1.2.3.4/0", true, []string{"200.1.1.1"}, []string{"::1"}},
		{"::1", true, []string{"::1", "[::1]"}, []string{"::2", "127.0.0.1"}},
		{"[::1]/128", true, []string{"::1"}, []string{"::2"}},
		{"2001:db8::/32", true, []string{"2001:db8:ffff::1"}, []string{"2001:db9::1"}},
		{"2001:db8:*", true, []string{"2001:db8:1::1"}, []string{"2001:db9::1"}},
		{"2001:db8::/9999", true, []string{"2001:db8::"}, []string{"2001:db8::1"}},
		{"bogus", false, nil, nil},
		{"", false, nil, nil},
		{".", false, nil, nil},
		{".*", false, nil, nil},
		{"10.0.0.0/", false, nil, nil},
		{"10.0.0.0/-8", false, nil, nil},
		{"10.0.0.0/ 8", false, nil, nil},
		{"10.0.0.0/255.129.0.0", false, nil, nil},
		{"10.0.0.0/0.255.0.0", false, nil, nil},
		{"::1/255.0.0.0", false, nil, nil},
		{"10.0.0.0/::", false, nil, nil},
		{"256.1.1.1", false, nil, nil},
		{"1.2.3.4.5", false, nil, nil},
		{"01.2.3.4/8", false, nil, nil},
		{"1..2", false, nil, nil},
		{"1.2.3.4x", false, nil, nil},
		{"123.123.123.123.", false, nil, nil}, // 16 characters
		{"fe80::1%eth0", false, nil, nil},
		{"2001:*:db8", false, nil, nil},
		{"2001:db8:**", false, nil, nil},
		{"bogus/8", false, nil, nil},
	}
	for _, tt := range tests {
		n, ok := parseNetblock(tt.netblock)
		if ok != tt.valid {
			t.Errorf("parseNetblock(%q) valid = %v, want %v", tt.netblock, ok, tt.valid)
			continue
		}
		for _, p := range tt.match {
			if !n.match(p) {
				t.Errorf("%q does not match %q", tt.netblock, p)
			}
		}
		for _, p := range tt.noMatch {
			if n.match(p) {
				t.Errorf("%q matches %q", tt.netblock, p)
			}
		}
	}
}
