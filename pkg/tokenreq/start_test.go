package tokenreq

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/google/go-cmp/cmp"
)

func TestRequestIDFormat(t *testing.T) {
	tests := []struct {
		draw uint64
		want string
	}{
		{642594, "0642594"}, // real-tools.md §5.3
		{0, "0000000"},
		{9_999_999, "9999999"},
		{maxID + 5, "0000005"},
		{1<<64 - 1, "9551615"}, // 18446744073709551615 % 10^7
	}
	for _, tt := range tests {
		s := openMem(t, Options{Rand: ids(tt.draw)})
		if got := start(t, s, t0, requester, "alice@example.net", nil, -1, "vm-1"); got != tt.want {
			t.Errorf("draw %d: id %q, want %q", tt.draw, got, tt.want)
		}
	}

	// With the real random source every id is 7 digits and unique.
	s := openMem(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	seen := map[string]bool{}
	re := regexp.MustCompile(`^[0-9]{7}$`)
	for range 300 {
		id := start(t, s, t0, requester, "alice@example.net", nil, -1, "vm-1")
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("id %q: malformed or repeated", id)
		}
		seen[id] = true
	}
}

func TestRequestIDCollisions(t *testing.T) {
	// The first request takes 1234567; the second draws it five times and
	// then a free id on the sixth and last try.
	s := openMem(t, Options{Rand: ids(1234567, 1234567, 1234567, 1234567, 1234567, 1234567, 7654321)})
	start(t, s, t0, requester, "a@x", nil, -1, "c")
	if got := start(t, s, t0, requester, "a@x", nil, -1, "c"); got != "7654321" {
		t.Fatalf("second id %q", got)
	}

	// Six collisions in a row: error 4, nothing stored.
	s = openMem(t, Options{Rand: ids(1, 1, 1, 1, 1, 1, 1, 1)})
	start(t, s, t0, requester, "a@x", nil, -1, "c")
	_, err := s.Start(t0, requester, StartRequest{RequestedIdentity: "a@x", ClientID: "c", Lifetime: -1}, &fakeSigner{})
	wantErr(t, err, 4, "Unable to generate new request ID")
	if got := listIDs(t, s, t0, admin, ""); len(got) != 1 {
		t.Fatalf("listed %v, want one request", got)
	}

	// A failing random source is the same error, with the cause kept.
	s = openMem(t, Options{Rand: ids()})
	_, err = s.Start(t0, requester, StartRequest{RequestedIdentity: "a@x", ClientID: "c", Lifetime: -1}, &fakeSigner{})
	wantErr(t, err, 4, "Unable to generate new request ID")
	if errors.Unwrap(err) == nil {
		t.Fatal("the random source's error is not kept as the cause")
	}
}

func TestStartValidation(t *testing.T) {
	limits := []string{"READ, WRITE ADVERTISE_STARTD"}
	tests := []struct {
		name     string
		limits   []string
		req      StartRequest
		code     int
		msg      string
		wantAuth []string
	}{
		{name: "no client id", req: StartRequest{RequestedIdentity: "a@x"}, code: 2, msg: "No client ID provided."},
		{name: "no identity", req: StartRequest{ClientID: "c"}, code: 2, msg: "No identity request."},
		// The C++ sets the errors in turn, so the last failing check wins.
		{name: "neither", req: StartRequest{}, code: 2, msg: "No identity request."},
		{name: "limits eliminate all", limits: limits, req: StartRequest{RequestedIdentity: "a@x", ClientID: "c", Authz: []string{"DAEMON"}},
			code: 3, msg: "All requested authorizations were eliminated by the SEC_TOKEN_REQUEST_LIMITS setting"},
		{name: "limits win over missing fields", limits: limits, req: StartRequest{Authz: []string{"CONFIG"}},
			code: 3, msg: "All requested authorizations were eliminated by the SEC_TOKEN_REQUEST_LIMITS setting"},
		{name: "limits are case-sensitive", limits: limits, req: StartRequest{RequestedIdentity: "a@x", ClientID: "c", Authz: []string{"read"}},
			code: 3, msg: "All requested authorizations were eliminated by the SEC_TOKEN_REQUEST_LIMITS setting"},
		{name: "intersection keeps order and duplicates", limits: limits,
			req:      StartRequest{RequestedIdentity: "a@x", ClientID: "c", Authz: []string{"WRITE,DAEMON", "READ WRITE"}},
			wantAuth: []string{"WRITE", "READ", "WRITE"}},
		{name: "no request list takes the whole limit set, sorted", limits: []string{"WRITE READ", "READ"},
			req: StartRequest{RequestedIdentity: "a@x", ClientID: "c"}, wantAuth: []string{"READ", "WRITE"}},
		{name: "no limits keep the list", req: StartRequest{RequestedIdentity: "a@x", ClientID: "c", Authz: []string{"READ,read", "X"}},
			wantAuth: []string{"READ", "read", "X"}},
		{name: "nothing at all", req: StartRequest{RequestedIdentity: "a@x", ClientID: "c"}, wantAuth: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openMem(t, Options{Knobs: Knobs{RequestLimits: tt.limits}})
			tt.req.Lifetime = -1
			res, err := s.Start(t0, requester, tt.req, &fakeSigner{})
			if tt.code != 0 {
				wantErr(t, err, tt.code, tt.msg)
				if res != (StartResult{}) {
					t.Fatalf("result %+v with an error", res)
				}
				if got := listIDs(t, s, t0, admin, ""); len(got) != 0 {
					t.Fatalf("refused request stored: %v", got)
				}
				return
			}
			noErr(t, err)
			reqs, err := s.List(t0, admin, "")
			noErr(t, err)
			if len(reqs) != 1 {
				t.Fatalf("listed %d requests", len(reqs))
			}
			if diff := cmp.Diff(tt.wantAuth, reqs[0].Authz); diff != "" {
				t.Fatalf("bounding set (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStartLifetime(t *testing.T) {
	tests := []struct {
		issued, requested, want int64
	}{
		{0, -1, -1}, {0, -7, -1}, {0, 0, 0}, {0, 300, 300},
		{600, 300, 300}, {600, 600, 600}, {600, 1000, 600}, {600, -1, 600}, {600, 0, 0},
		{-1, 99999, 99999},
	}
	for _, tt := range tests {
		s := openMem(t, Options{Knobs: Knobs{IssuedExpiration: tt.issued}})
		start(t, s, t0, requester, "a@x", nil, tt.requested, "c")
		reqs, _ := s.List(t0, admin, "")
		if reqs[0].Lifetime != tt.want {
			t.Errorf("SEC_ISSUED_TOKEN_EXPIRATION=%d, lifetime %d: stored %d, want %d", tt.issued, tt.requested, reqs[0].Lifetime, tt.want)
		}
		_, hasAttr := attrMap(reqs[0].AdAttrs())["TokenLifetime"]
		if hasAttr != (tt.want >= 0) {
			t.Errorf("lifetime %d: TokenLifetime present = %v", tt.want, hasAttr)
		}
	}
}

func attrMap(attrs []Attr) map[string]any {
	m := map[string]any{}
	for _, a := range attrs {
		m[a.Name] = a.Value
	}
	return m
}

func TestStartSessionChecks(t *testing.T) {
	req := StartRequest{RequestedIdentity: "bob@example.net", ClientID: "vm-354", Lifetime: -1}
	tests := []struct {
		name   string
		caller Caller
		code   int
		msg    string
		stored string // AuthenticatedIdentity when queued
	}{
		{"not encrypted", Caller{FQU: "bob@example.net", Peer: localhost, Authenticated: true}, 7, "Request to server was not encrypted.", ""},
		{"not encrypted and anonymous", Caller{Peer: localhost}, 7, "Request to server was not encrypted.", ""},
		{"anonymous", Caller{FQU: "anonymous@anonymous", Peer: localhost, Encrypted: true}, 7,
			"Request to server was made using ANONYMOUS or no authentication.", ""},
		// SSL without a client certificate is authenticated (tokens.md §3.2 step 4).
		{"ssl without certificate", Caller{FQU: "unauthenticated@unmapped", Peer: localhost, Authenticated: true, Encrypted: true}, 0, "", "unauthenticated@unmapped"},
		{"empty FQU", Caller{Peer: localhost, Authenticated: true, Encrypted: true}, 0, "", "unauthenticated@unmapped"},
		{"fs", requester, 0, "", "condor@example.net"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openMem(t, Options{})
			res, err := s.Start(t0, tt.caller, req, &fakeSigner{})
			reqs, lerr := s.List(t0, admin, "")
			noErr(t, lerr)
			if tt.code != 0 {
				wantErr(t, err, tt.code, tt.msg)
				if len(reqs) != 0 {
					t.Fatal("refused request was stored")
				}
				return
			}
			noErr(t, err)
			if len(reqs) != 1 || reqs[0].ID != res.RequestID || reqs[0].RequesterIdentity != tt.stored {
				t.Fatalf("stored %+v, want requester %q", reqs, tt.stored)
			}
		})
	}
}

func TestStartSigningKey(t *testing.T) {
	s := openMem(t, Options{})
	keyErr := condorerr.New("TOKEN_UTILS", 4, "Server does not have a signing key configured.")
	_, err := s.Start(t0, requester, StartRequest{RequestedIdentity: "a@x", ClientID: "c", Lifetime: -1}, &fakeSigner{keyErr: keyErr})
	// The tool shows "DAEMON:4:TOKEN_UTILS:4:Server does not have a signing key configured." (acceptance RB-45).
	wantErr(t, err, 4, "TOKEN_UTILS:4:Server does not have a signing key configured.")
	if !errors.Is(err, keyErr) {
		t.Fatal("the signer's error is not the cause")
	}
	if got := listIDs(t, s, t0, admin, ""); len(got) != 0 {
		t.Fatalf("request kept without a signing key: %v", got)
	}

	_, err = s.Start(t0, requester, StartRequest{RequestedIdentity: "a@x", ClientID: "c", Lifetime: -1}, &fakeSigner{keyErr: errors.New("no key")})
	wantErr(t, err, 1, "no key")
	_, err = s.Start(t0, requester, StartRequest{RequestedIdentity: "a@x", ClientID: "c", Lifetime: -1},
		&fakeSigner{keyErr: condorerr.New("TOKEN", 0, "odd")})
	wantErr(t, err, 1, "TOKEN:0:odd")
}

func TestPendingLimit(t *testing.T) {
	s := openMem(t, Options{Knobs: Knobs{MaxPending: 3}})
	signer := &fakeSigner{}
	var reqIDs []string
	for range 3 {
		reqIDs = append(reqIDs, start(t, s, t0, requester, "a@x", nil, -1, "c"))
	}
	_, err := s.Start(t0, requester, StartRequest{RequestedIdentity: "a@x", ClientID: "c", Lifetime: -1}, signer)
	wantErr(t, err, 3, "Too many requests in the system.")

	// An approved request still counts until it is collected.
	noErr(t, s.Approve(t0, admin, reqIDs[0], "c", signer))
	_, err = s.Start(t0, requester, StartRequest{RequestedIdentity: "a@x", ClientID: "c", Lifetime: -1}, signer)
	wantErr(t, err, 3, "Too many requests in the system.")
	if _, err := s.Finish(t0, requester, reqIDs[0], "c"); err != nil {
		t.Fatal(err)
	}
	start(t, s, t0, requester, "a@x", nil, -1, "c")

	// Records past their deletion time do not count.
	start(t, s, at(7201), requester, "a@x", nil, -1, "c")

	// The default is HTCondor's 1000.
	s = openMem(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	for range DefaultMaxPending {
		start(t, s, t0, requester, "a@x", nil, -1, "c")
	}
	_, err = s.Start(t0, requester, StartRequest{RequestedIdentity: "a@x", ClientID: "c", Lifetime: -1}, signer)
	wantErr(t, err, 3, "Too many requests in the system.")

	// SetKnobs raises the limit and keeps the requests.
	s.SetKnobs(Knobs{MaxPending: 1001, RatePerPeer: -1})
	start(t, s, t0, requester, "a@x", nil, -1, "c")
	if n := len(listIDs(t, s, t0, admin, "")); n != 1001 {
		t.Fatalf("%d requests after SetKnobs", n)
	}
}

func TestStartSizeLimits(t *testing.T) {
	s := openMem(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	long := string(make([]byte, maxFieldLen+1))
	ok := string(make([]byte, maxFieldLen))
	for _, tt := range []struct {
		req     StartRequest
		refused bool
	}{
		{StartRequest{RequestedIdentity: long, ClientID: "c"}, true},
		{StartRequest{RequestedIdentity: "a@x", ClientID: long}, true},
		{StartRequest{RequestedIdentity: "a@x", ClientID: "c", Authz: []string{"READ," + long[:maxFieldLen+1]}}, true},
		{StartRequest{RequestedIdentity: "a@x", ClientID: "c", Authz: []string{ok, ok, ok, ok, "READ"}}, true},
		{StartRequest{RequestedIdentity: ok, ClientID: ok, Authz: []string{ok, ok, ok, ok}}, false},
	} {
		_, err := s.Start(t0, requester, tt.req, &fakeSigner{})
		if tt.refused {
			wantErr(t, err, 2, "Request attributes are too long.")
		} else {
			noErr(t, err)
		}
	}
	if _, ok := parseNetblock("1.2.3.4/" + strings.Repeat("0", 91) + "32"); ok {
		t.Fatal("a 100+ byte netblock was accepted")
	}
	if _, ok := parseNetblock("1.2.3.4/0000032"); !ok {
		t.Fatal("a zero-padded mask was refused")
	}
}
