package authz

import (
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/netaddr"
)

// FuzzPattern feeds arbitrary ALLOW/DENY lists, identities, addresses and
// host names through entry splitting, network parsing, wildcard matching
// and a full policy decision. Nothing may panic, and a few invariants must
// hold whatever the input.
func FuzzPattern(f *testing.F) {
	seeds := []struct{ list, user, ip, host string }{
		{"*", "alice@example.org", "127.0.0.1", "localhost"},
		{"condor@* condor@password root@*", "condor@example.net", "127.0.0.1", ""},
		{"zmiller@cs.wisc.edu/*.cs.wisc.edu", "zmiller@cs.wisc.edu", "128.105.1.2", "bird.cs.wisc.edu"},
		{"*@cs.wisc.edu/128.105.*", "x@cs.wisc.edu", "128.105.9.9", ""},
		{"joesmith@cs.wisc.edu/192.0.2.0/24", "joesmith@cs.wisc.edu", "192.0.2.77", ""},
		{"*/192.0.2.0/255.255.192.0, */2001:db8:*", "", "2001:db8::1", ""},
		{"condor_pool@*/*, administrator@domain/*", "condor@domain", "10.0.0.1", ""},
		{"*/{:local_ips:}", "u@d", "::1", ""},
		{"+netgroup, <1.2.3.4:5>, a*b*c*/x*y*", "aXbYc", "1.2.3.4", "xzy"},
		{"[::1]/64, 1.2.3.4/99, 0.0.0.0/0, .", "u@d", "8.8.8.8", ""},
		{"**/**/**", "*", "", "*"},
	}
	for _, s := range seeds {
		f.Add(s.list, s.user, s.ip, s.host)
	}
	f.Fuzz(func(t *testing.T, list, user, ipText, host string) {
		for _, e := range splitList(list) {
			u, h := splitEntry(e)
			if u == "" && !strings.HasPrefix(e, "/") {
				t.Errorf("splitEntry(%q) gave an empty user", e)
			}
			netaddr.Parse(h)
			netaddr.Parse(e)
			matchWildcard(u, user)
			matchWildcard(h, host)
		}
		if !strings.Contains(user, "*") && !matchWildcard(user, user) {
			t.Errorf("%q does not match itself", user)
		}
		if !matchWildcard("*", user) {
			t.Errorf("* does not match %q", user)
		}

		res := &fakeResolver{ptr: map[string][]string{}, hosts: map[string][]string{}}
		if ip := net.ParseIP(ipText); ip != nil && host != "" {
			res.ptr[ip.String()] = []string{host}
			res.hosts[strings.ToLower(host)] = []string{ip.String()}
		}
		k := mapKnobs{"ALLOW_WRITE": list, "DENY_READ": user, "ALLOW_DAEMON": host}
		p, err := NewWithOptions(k, Options{Resolver: res, LocalIPs: nilLocalIPs})
		if err != nil {
			t.Fatal(err)
		}
		ip := net.ParseIP(ipText)
		for _, lvl := range []string{"READ", "WRITE", "DAEMON", "ALLOW", "ADVERTISE_SCHEDD"} {
			ok, reason := p.Authorize(lvl, user, ip, nil)
			if reason == "" {
				t.Errorf("Authorize(%s) gave no reason", lvl)
			}
			// A scope limit can only take rights away.
			if okLimited, _ := p.Authorize(lvl, user, ip, []string{"READ"}); okLimited && !ok {
				t.Errorf("limit granted %s that the lists deny", lvl)
			}
		}
		if ok, _ := p.Authorize("ALLOW", user, ip, []string{list}); !ok {
			t.Error("ALLOW was refused")
		}
		p.AuthorizeCommand("DAEMON", []string{"ALLOW", "WRITE"}, user, ip, splitList(host))
	})
}

func nilLocalIPs() ([]netip.Addr, error) { return nil, nil }
