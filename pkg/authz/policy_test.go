package authz

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

type mapKnobs map[string]string

func (m mapKnobs) Get(name string) (string, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

type subsysKnobs struct {
	mapKnobs
	subsys string
}

func (s subsysKnobs) Subsystem() string { return s.subsys }

// fakeResolver answers from tables and counts lookups; it never touches DNS.
type fakeResolver struct {
	mu      sync.Mutex
	hosts   map[string][]string // name → addresses
	ptr     map[string][]string // address → names
	lookups int
}

func (f *fakeResolver) LookupHost(_ context.Context, h string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if a, ok := f.hosts[strings.ToLower(h)]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func (f *fakeResolver) LookupAddr(_ context.Context, a string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if n, ok := f.ptr[a]; ok {
		return n, nil
	}
	return nil, errors.New("no PTR")
}

func newPolicy(t *testing.T, k Knobs, res *fakeResolver) *Policy {
	t.Helper()
	if res == nil {
		res = &fakeResolver{}
	}
	p, err := NewWithOptions(k, Options{
		Resolver: res,
		LocalIPs: func() ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("192.0.2.10")}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The effective values of the transcripts' pool ("use security:recommended",
// testdata/vectors/transcripts/README.md).
var recommended = mapKnobs{
	"ALLOW_READ":          "*",
	"ALLOW_WRITE":         "*",
	"ALLOW_DAEMON":        "condor@*  condor@password",
	"ALLOW_ADMINISTRATOR": "condor@* condor@password root@*",
}

type authCase struct {
	name    string
	perm    string
	fqu     string
	ip      string
	limit   []string
	ok      bool
	reasons []string // substrings the reason must contain
}

func runCases(t *testing.T, p *Policy, cases []authCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ip net.IP
			if c.ip != "" {
				ip = net.ParseIP(c.ip)
			}
			ok, reason := p.Authorize(c.perm, c.fqu, ip, c.limit)
			if ok != c.ok {
				t.Errorf("Authorize(%s, %q, %s, %q) = %v (%s), want %v", c.perm, c.fqu, c.ip, c.limit, ok, reason, c.ok)
			}
			for _, r := range c.reasons {
				if !strings.Contains(reason, r) {
					t.Errorf("reason %q does not contain %q", reason, r)
				}
			}
		})
	}
}

func TestRecommendedPolicy(t *testing.T) {
	p := newPolicy(t, recommended, nil)
	runCases(t, p, []authCase{
		{"read anyone", "READ", UnauthenticatedFQU, "127.0.0.1", nil, true,
			[]string{"READ authorization policy allows access by anyone (ALLOW_READ = *)"}},
		{"write anyone", "write", "alice@example.net", "10.0.0.1", nil, true, []string{"WRITE authorization policy allows access by anyone"}},
		{"daemon condor", "DAEMON", "condor@example.net", "127.0.0.1", nil, true,
			[]string{`DAEMON authorization policy allows IP address 127.0.0.1 (entry "condor@*" in ALLOW_DAEMON)`}},
		{"daemon condor_pool twin", "DAEMON", "condor_pool@example.net", "127.0.0.1", nil, true, []string{`entry "condor@*"`}},
		{"daemon password", "DAEMON", "condor@password", "::1", nil, true, nil},
		{"daemon alice", "DAEMON", "alice@example.net", "127.0.0.1", nil, false,
			[]string{"DAEMON authorization policy contains no matching ALLOW entry for this request; identifiers used for this host: 127.0.0.1, hostname size = 0, original ip address = 127.0.0.1"}},
		{"daemon unauthenticated", "DAEMON", UnauthenticatedFQU, "127.0.0.1", nil, false, nil},
		{"admin root", "ADMINISTRATOR", "root@example.net", "127.0.0.1", nil, true, []string{"root@*"}},
		{"admin alice", "ADMINISTRATOR", "alice@example.net", "127.0.0.1", nil, false, nil},
		{"negotiator unset", "NEGOTIATOR", "condor@example.net", "127.0.0.1", nil, false,
			[]string{"NEGOTIATOR authorization policy denies all access (no ALLOW_NEGOTIATOR is configured)"}},
		{"config unset", "CONFIG", "condor@example.net", "127.0.0.1", nil, false, nil},
		{"advertise falls back to daemon", "ADVERTISE_STARTD", "condor@example.net", "127.0.0.1", nil, true, []string{"ALLOW_DAEMON"}},
		{"advertise alice", "ADVERTISE_SCHEDD", "alice@example.net", "127.0.0.1", nil, false, nil},
		{"allow level", "ALLOW", "", "", nil, true, []string{"open to everyone"}},
		{"client default", "CLIENT", UnauthenticatedFQU, "127.0.0.1", nil, true, []string{"ALLOW_CLIENT = *"}},
		{"unknown level", "OWNER", "condor@example.net", "127.0.0.1", nil, false, []string{`unknown permission level "OWNER"`}},
		// Token scopes (tokens.md §4.5): ALLOW/DENY result ∩ scopes+implied.
		{"scope READ allows READ", "READ", "alice@example.net", "127.0.0.1", []string{"READ"}, true, nil},
		{"scope READ refuses WRITE", "WRITE", "alice@example.net", "127.0.0.1", []string{"READ"}, false,
			[]string{"limited to READ (token scope), which does not include WRITE"}},
		{"scope WRITE implies READ", "READ", "alice@example.net", "127.0.0.1", []string{"WRITE"}, true, nil},
		{"scope is case-insensitive", "READ", "alice@example.net", "127.0.0.1", []string{"write"}, true, nil},
		{"scope DAEMON but ALLOW_DAEMON refuses", "DAEMON", "alice@example.net", "127.0.0.1", []string{"DAEMON"}, false,
			[]string{"no matching ALLOW entry"}},
		{"scope DAEMON and condor", "DAEMON", "condor@example.net", "127.0.0.1", []string{"DAEMON"}, true, nil},
		{"unknown scopes bound to nothing", "READ", "alice@example.net", "127.0.0.1", []string{"condor:/READ"}, false, nil},
		{"ALLOW passes any bound", "ALLOW", "alice@example.net", "127.0.0.1", []string{"READ"}, true, nil},
		{"empty scope list is unbounded", "WRITE", "alice@example.net", "127.0.0.1", []string{}, true, nil},
		{"no ip, allow-all level", "READ", "", "", nil, true, nil},
		{"no ip, table level", "DAEMON", "condor@example.net", "", nil, false, []string{"original ip address = (unknown)"}},
	})
}

// acceptance.md A.1 (test_auth_protocol_token.py): DENY_ALL is not a
// level and so is never read; READ and WRITE have no ALLOW list and are
// reachable only through the levels that imply them.
func TestAcceptanceTokenPolicy(t *testing.T) {
	v := "condor_pool@*/*, administrator@domain/*"
	k := mapKnobs{"DENY_ALL": "*"}
	for _, lvl := range []string{"ADMINISTRATOR", "OWNER", "CONFIG", "DAEMON", "NEGOTIATOR", "ADVERTISE_STARTD"} {
		k["ALLOW_"+lvl] = v
	}
	p := newPolicy(t, k, nil)
	runCases(t, p, []authCase{
		{"admin user writes", "WRITE", "administrator@domain", "127.0.0.1", nil, true,
			[]string{"WRITE is implied by ADMINISTRATOR; ADMINISTRATOR authorization policy allows IP address 127.0.0.1"}},
		{"admin user reads", "READ", "administrator@domain", "127.0.0.1", nil, true,
			[]string{"READ is implied by WRITE; WRITE is implied by ADMINISTRATOR"}},
		{"pool identity daemon", "DAEMON", "condor_pool@domain", "10.1.1.1", nil, true, nil},
		{"condor twin of condor_pool", "DAEMON", "condor@domain", "10.1.1.1", nil, true, nil},
		{"unknown user write (AP-11)", "WRITE", "test@trust-domain", "127.0.0.1", nil, false,
			[]string{"WRITE authorization policy contains no matching ALLOW entry"}},
		{"unknown user read", "READ", "test@trust-domain", "127.0.0.1", nil, false, nil},
		{"config through table", "CONFIG", "administrator@domain", "127.0.0.1", nil, true, nil},
	})
}

func TestDenyWins(t *testing.T) {
	k := mapKnobs{
		"ALLOW_WRITE":  "*@example.net, */192.0.2.0/24",
		"DENY_WRITE":   "bob@example.net",
		"DENY_READ":    "mallory@*/*",
		"ALLOW_READ":   "*@example.net",
		"ALLOW_DAEMON": "mallory@*",
	}
	p := newPolicy(t, k, nil)
	runCases(t, p, []authCase{
		{"alice allowed", "WRITE", "alice@example.net", "10.0.0.1", nil, true, []string{`entry "*@example.net" in ALLOW_WRITE`}},
		{"bob denied", "WRITE", "bob@example.net", "10.0.0.1", nil, false,
			[]string{`WRITE authorization policy denies IP address 10.0.0.1 (entry "bob@example.net" in DENY_WRITE)`}},
		{"bob denied even from an allowed net", "WRITE", "bob@example.net", "192.0.2.5", nil, false, nil},
		{"eve from allowed net", "WRITE", "eve@other.org", "192.0.2.5", nil, true, []string{`*/192.0.2.0/24`}},
		{"eve elsewhere", "WRITE", "eve@other.org", "198.51.100.1", nil, false, nil},
		// A DENY at READ is not undone by a granted implying level.
		{"deny read beats daemon", "READ", "mallory@other.org", "10.0.0.1", nil, false, []string{"DENY_READ"}},
		{"mallory still daemon", "DAEMON", "mallory@other.org", "10.0.0.1", nil, true, nil},
		{"mallory write via daemon", "WRITE", "mallory@other.org", "10.0.0.1", nil, true,
			[]string{`WRITE is implied by DAEMON; DAEMON authorization policy allows IP address 10.0.0.1 (entry "mallory@*" in ALLOW_DAEMON)`}},
	})
}

func TestDenyAllAndOnlyDenies(t *testing.T) {
	p := newPolicy(t, mapKnobs{
		"ALLOW_READ":          "*",
		"DENY_READ":           "*/10.0.0.0/8",
		"ALLOW_WRITE":         "*",
		"DENY_WRITE":          "*/*",
		"ALLOW_ADMINISTRATOR": "*/*",
	}, nil)
	runCases(t, p, []authCase{
		{"only denies: allowed", "READ", "x@y", "192.0.2.1", nil, true, []string{"does not deny, so allowing"}},
		{"only denies: denied", "READ", "x@y", "10.2.3.4", nil, false, []string{"denies IP address 10.2.3.4"}},
		{"deny all", "WRITE", "x@y", "192.0.2.1", nil, false, []string{"WRITE authorization policy denies all access (DENY_WRITE = */*)"}},
		// "*/*" is the optimised allow-everyone form, too.
		{"allow all */*", "ADMINISTRATOR", "x@y", "192.0.2.1", nil, true, []string{"allows access by anyone"}},
	})
}

func TestHostPatterns(t *testing.T) {
	res := &fakeResolver{
		hosts: map[string][]string{
			"bird.cs.wisc.edu":   {"128.105.1.2"},
			"liar.cs.wisc.edu":   {"203.0.113.99"},
			"submit.example.org": {"198.51.100.7", "2001:db8::7"},
		},
		ptr: map[string][]string{
			"128.105.1.2":  {"bird.cs.wisc.edu."},
			"203.0.113.5":  {"liar.cs.wisc.edu."}, // not forward-confirmed
			"198.51.100.9": {"evil.cs.wisc.edu."},
			"203.0.113.7":  {"dove.cs.wisc.edu."},
		},
	}
	res.hosts["evil.cs.wisc.edu"] = []string{"198.51.100.9"}
	res.hosts["dove.cs.wisc.edu"] = []string{"203.0.113.7"}
	p := newPolicy(t, mapKnobs{
		"ALLOW_READ":   "*.cs.wisc.edu, 128.105.*",
		"DENY_READ":    "*/evil.cs.wisc.edu",
		"ALLOW_WRITE":  "alice@example.org/submit.example.org, */{:local_ips:}, bob@example.org/2001:db8:*",
		"ALLOW_CONFIG": "admin@example.org/255.255.255.255/8",
	}, res)
	runCases(t, p, []authCase{
		{"wildcard ip", "READ", "x@y", "128.105.200.1", nil, true, []string{"allows IP address 128.105.200.1"}},
		{"reverse name", "READ", "x@y", "128.105.1.2", nil, true, nil},
		{"suffix name via PTR", "READ", "x@y", "203.0.113.7", nil, true,
			[]string{`READ authorization policy allows hostname dove.cs.wisc.edu (entry "*.cs.wisc.edu" in ALLOW_READ)`}},
		// A plain host name in a list is resolved when the policy is built.
		{"denied host resolved at build", "READ", "x@y", "198.51.100.9", nil, false,
			[]string{`READ authorization policy denies IP address 198.51.100.9 (entry "*/evil.cs.wisc.edu" in DENY_READ)`}},
		{"unconfirmed PTR ignored", "READ", "x@y", "203.0.113.5", nil, false, []string{"hostname size = 0"}},
		{"host name resolved at build", "WRITE", "alice@example.org", "198.51.100.7", nil, true,
			[]string{`allows IP address 198.51.100.7 (entry "alice@example.org/submit.example.org"`}},
		{"host name v6 address", "WRITE", "alice@example.org", "2001:db8::7", nil, true, nil},
		{"host name, other user", "WRITE", "mallory@example.org", "198.51.100.7", nil, false, nil},
		{"local ips", "WRITE", "anyone@x", "192.0.2.10", nil, true, []string{"{:local_ips:}"}},
		{"not local", "WRITE", "anyone@x", "192.0.2.11", nil, false, nil},
		{"v6 wildcard", "WRITE", "bob@example.org", "2001:db8:5::1", nil, true, nil},
		{"mapped v4 peer", "WRITE", "anyone@x", "::ffff:127.0.0.1", nil, true, nil},
		{"dotted mask", "CONFIG", "admin@example.org", "255.1.2.3", nil, true, nil},
	})
	if len(p.Warnings()) != 0 {
		t.Errorf("unexpected warnings: %q", p.Warnings())
	}
}

// A DENY host name overrides an ALLOW that matched by IP address: names
// are still looked up when only the ALLOW side has matched.
func TestHostnameDenyAfterIPAllow(t *testing.T) {
	res := &fakeResolver{
		hosts: map[string][]string{"bad.example.org": {"192.0.2.66"}},
		ptr:   map[string][]string{"192.0.2.66": {"bad.example.org"}},
	}
	p := newPolicy(t, mapKnobs{"ALLOW_WRITE": "*/192.0.2.*", "DENY_WRITE": "*/bad.*"}, res)
	ok, reason := p.Authorize("WRITE", "u@d", net.ParseIP("192.0.2.66"), nil)
	if ok || !strings.Contains(reason, "denies hostname bad.example.org") {
		t.Errorf("got %v, %q", ok, reason)
	}
	ok, _ = p.Authorize("WRITE", "u@d", net.ParseIP("192.0.2.67"), nil)
	if !ok {
		t.Error("192.0.2.67 should be allowed")
	}
}

func TestNameCache(t *testing.T) {
	res := &fakeResolver{
		hosts: map[string][]string{"h.example.org": {"192.0.2.1"}},
		ptr:   map[string][]string{"192.0.2.1": {"h.example.org."}},
	}
	p := newPolicy(t, mapKnobs{"ALLOW_WRITE": "*.example.org"}, res)
	before := res.lookups
	for range 5 {
		if ok, r := p.Authorize("WRITE", "u@d", net.ParseIP("192.0.2.1"), nil); !ok {
			t.Fatal(r)
		}
	}
	if got := res.lookups - before; got != 2 { // one PTR, one confirmation
		t.Errorf("%d lookups for 5 checks, want 2 (cached)", got)
	}
	now := time.Now()
	p.names.now = func() time.Time { return now.Add(time.Hour) }
	p.Authorize("WRITE", "u@d", net.ParseIP("192.0.2.1"), nil)
	if got := res.lookups - before; got != 4 {
		t.Errorf("%d lookups after expiry, want 4", got)
	}
}

func TestKnobLookup(t *testing.T) {
	cases := []struct {
		name   string
		k      Knobs
		perm   string
		fqu    string
		ok     bool
		source string
	}{
		{"subsystem knob first", subsysKnobs{mapKnobs{"ALLOW_READ": "alice@x", "ALLOW_READ_SCHEDD": "bob@x"}, "schedd"},
			"READ", "bob@x", true, "ALLOW_READ_SCHEDD"},
		{"subsystem knob hides generic", subsysKnobs{mapKnobs{"ALLOW_READ": "alice@x", "ALLOW_READ_SCHEDD": "bob@x"}, "SCHEDD"},
			"READ", "alice@x", false, "ALLOW_READ_SCHEDD"},
		{"other subsystem ignored", subsysKnobs{mapKnobs{"ALLOW_READ": "alice@x", "ALLOW_READ_COLLECTOR": "bob@x"}, "SCHEDD"},
			"READ", "alice@x", true, "ALLOW_READ"},
		{"default fallback", mapKnobs{"ALLOW_DEFAULT": "carol@x"}, "ADMINISTRATOR", "carol@x", true, "ALLOW_DEFAULT"},
		{"empty counts as unset", mapKnobs{"ALLOW_ADMINISTRATOR": "  ", "ALLOW_DEFAULT": "carol@x"}, "ADMINISTRATOR", "carol@x", true, "ALLOW_DEFAULT"},
		{"no legacy: daemon does not use write", mapKnobs{"ALLOW_WRITE": "dan@x"}, "DAEMON", "dan@x", false, ""},
		{"legacy: daemon falls back to write", mapKnobs{"ALLOW_WRITE": "dan@x", "LEGACY_ALLOW_SEMANTICS": "true"}, "DAEMON", "dan@x", true, "ALLOW_WRITE"},
		{"legacy: advertise → daemon → write", mapKnobs{"ALLOW_WRITE": "dan@x", "LEGACY_ALLOW_SEMANTICS": "YES"}, "ADVERTISE_MASTER", "dan@x", true, "ALLOW_WRITE"},
		{"pool twin disabled", mapKnobs{"ALLOW_DAEMON": "condor@*", "USE_POOL_USERNAME_EQUIVALENT": "false"}, "DAEMON", "condor_pool@x", false, "ALLOW_DAEMON"},
		{"pool twin reverse", mapKnobs{"ALLOW_DAEMON": "CONDOR_POOL@*"}, "DAEMON", "condor@x", true, "ALLOW_DAEMON"},
		{"client set empty falls to default", mapKnobs{"ALLOW_CLIENT": "", "ALLOW_DEFAULT": "srv@x"}, "CLIENT", "other@x", false, "ALLOW_DEFAULT"},
		{"empty user is the wildcard user", mapKnobs{"ALLOW_WRITE": "*/192.0.2.1"}, "WRITE", "", true, "ALLOW_WRITE"},
		{"empty user does not match users", mapKnobs{"ALLOW_WRITE": "alice@x"}, "WRITE", "", false, "ALLOW_WRITE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := NewWithOptions(c.k, Options{Resolver: &fakeResolver{}})
			if err != nil {
				t.Fatal(err)
			}
			ok, reason := p.Authorize(c.perm, c.fqu, net.ParseIP("192.0.2.1"), nil)
			if ok != c.ok {
				t.Errorf("Authorize(%s, %q) = %v (%s), want %v", c.perm, c.fqu, ok, reason, c.ok)
			}
			lvl, _ := ParsePerm(c.perm)
			if got, _ := p.Source(lvl); got != c.source {
				t.Errorf("ALLOW source = %q, want %q", got, c.source)
			}
		})
	}
}

func TestNewErrorsAndWarnings(t *testing.T) {
	_, err := New(mapKnobs{"LEGACY_ALLOW_SEMANTICS": "maybe"})
	if err == nil || !strings.Contains(err.Error(), `LEGACY_ALLOW_SEMANTICS has value "maybe"`) {
		t.Errorf("err = %v", err)
	}
	_, err = New(mapKnobs{"USE_POOL_USERNAME_EQUIVALENT": "2"})
	if err == nil || !strings.Contains(err.Error(), "USE_POOL_USERNAME_EQUIVALENT") {
		t.Errorf("err = %v", err)
	}
	p := newPolicy(t, mapKnobs{"ALLOW_WRITE": "+admins, <192.0.2.1:9618>, nosuch.invalid, ok@x"}, nil)
	w := strings.Join(p.Warnings(), "\n")
	for _, want := range []string{`netgroup entry "+admins"`, `"<192.0.2.1:9618>" looks like a sinful string`, `host "nosuch.invalid"`} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q lack %q", w, want)
		}
	}
	if ok, r := p.Authorize("WRITE", "ok@x", net.ParseIP("192.0.2.1"), nil); !ok {
		t.Errorf("remaining entries must still work: %s", r)
	}
	var nilKnobs Knobs
	p, err = NewWithOptions(nilKnobs, Options{Resolver: &fakeResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := p.Authorize("READ", "x@y", net.ParseIP("127.0.0.1"), nil); ok {
		t.Error("with no configuration READ must be denied")
	}
}

func TestAuthorizeCommand(t *testing.T) {
	p := newPolicy(t, recommended, nil)
	ip := net.ParseIP("127.0.0.1")
	cases := []struct {
		name        string
		perm        string
		alt         []string
		fqu         string
		limit       []string
		ok          bool
		granted     string
		reasonParts []string
	}{
		// DC_GET_SESSION_TOKEN: DAEMON with alternate ALLOW (tokens.md §1.2).
		{"daemon user", "DAEMON", []string{"ALLOW"}, "condor@example.net", nil, true, "DAEMON", nil},
		{"ordinary user via ALLOW", "DAEMON", []string{"ALLOW"}, "htcuser@example.net", nil, true, "ALLOW",
			[]string{"DAEMON denied (DAEMON authorization policy contains no matching ALLOW entry", "alternate ALLOW"}},
		{"scope-limited token reaches ALLOW alternates", "DAEMON", []string{"ALLOW"}, "alice@example.net", []string{"READ"}, true, "ALLOW", nil},
		// DC_AUTO_APPROVE_TOKEN_REQUEST: ADMINISTRATOR, no alternates.
		{"admin limited to READ", "ADMINISTRATOR", nil, "condor@example.net", []string{"READ"}, false, "",
			[]string{"limited to READ (token scope), which does not include ADMINISTRATOR"}},
		{"admin unlimited", "ADMINISTRATOR", nil, "condor@example.net", nil, true, "ADMINISTRATOR", nil},
		{"admin denied", "ADMINISTRATOR", nil, "alice@example.net", nil, false, "", []string{"ADMINISTRATOR authorization policy contains no matching ALLOW entry"}},
		{"limit matches alternate", "DAEMON", []string{"WRITE"}, "alice@example.net", []string{"WRITE"}, true, "WRITE", nil},
		{"unknown alternate", "DAEMON", []string{"BOGUS"}, "alice@example.net", nil, false, "", []string{`unknown permission level "BOGUS"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			granted, ok, reason := p.AuthorizeCommand(c.perm, c.alt, c.fqu, ip, c.limit)
			if ok != c.ok || granted != c.granted {
				t.Errorf("got (%q, %v, %q), want (%q, %v)", granted, ok, reason, c.granted, c.ok)
			}
			for _, r := range c.reasonParts {
				if !strings.Contains(reason, r) {
					t.Errorf("reason %q lacks %q", reason, r)
				}
			}
		})
	}
}

func TestIsMapped(t *testing.T) {
	for fqu, want := range map[string]bool{
		"alice@example.net":  true,
		"condor@password":    true,
		UnauthenticatedFQU:   false,
		"anonymous@unmapped": false,
		"alice":              false,
		"":                   false,
		"a@b@unmapped":       false,
	} {
		if got := IsMapped(fqu); got != want {
			t.Errorf("IsMapped(%q) = %v, want %v", fqu, got, want)
		}
	}
}

func TestConcurrentAuthorize(t *testing.T) {
	res := &fakeResolver{
		hosts: map[string][]string{"h.example.org": {"192.0.2.1"}},
		ptr:   map[string][]string{"192.0.2.1": {"h.example.org."}},
	}
	p := newPolicy(t, mapKnobs{"ALLOW_WRITE": "*.example.org", "ALLOW_DAEMON": "condor@*"}, res)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			ip := net.IPv4(192, 0, 2, byte(i%4))
			for range 50 {
				p.Authorize("READ", "condor@x", ip, nil)
				p.AuthorizeCommand("DAEMON", []string{"ALLOW"}, "u@x", ip, []string{"READ"})
			}
		})
	}
	wg.Wait()
}

func TestDefaultLocalIPs(t *testing.T) {
	addrs, err := interfaceAddrs()
	if err != nil {
		t.Skipf("no interfaces: %v", err)
	}
	hasLoop := false
	for _, a := range addrs {
		hasLoop = hasLoop || a == netip.MustParseAddr("127.0.0.1")
	}
	if !hasLoop {
		t.Skip("no IPv4 loopback interface")
	}
	p, err := NewWithOptions(mapKnobs{"ALLOW_WRITE": "*/{:LOCAL_IPS:}"}, Options{Resolver: &fakeResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	if ok, r := p.Authorize("WRITE", "u@d", net.ParseIP("127.0.0.1"), nil); !ok {
		t.Errorf("loopback not local: %s", r)
	}
	if ok, _ := p.Authorize("WRITE", "u@d", net.ParseIP("198.51.100.200"), nil); ok {
		t.Error("a foreign address matched {:local_ips:}")
	}
}
