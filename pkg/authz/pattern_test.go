package authz

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePerm(t *testing.T) {
	for i, name := range permNames {
		for _, s := range []string{name, lowerASCII(name)} {
			p, ok := ParsePerm(s)
			if !ok || p != Perm(i) || p.String() != name {
				t.Errorf("ParsePerm(%q) = %v, %v; want %s", s, p, ok, name)
			}
		}
	}
	for _, s := range []string{"", "ALL", "READ ", "ALL_PERMISSIONS", "DAEMONS", "READ,WRITE"} {
		if p, ok := ParsePerm(s); ok {
			t.Errorf("ParsePerm(%q) = %v, want unknown", s, p)
		}
	}
	if got := Perm(99).String(); got != "NOT_A_PERM" {
		t.Errorf("Perm(99).String() = %q", got)
	}
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = lower(b[i])
	}
	return string(b)
}

// The implication table of tokens.md §1.3 / condor_perms.cpp.
func TestImplication(t *testing.T) {
	implies := map[Perm][]Perm{
		Allow: nil, Read: nil, Soap: nil, Default: nil, Client: nil,
		Write:           {Read},
		Negotiator:      {Read},
		Config:          {Read},
		Administrator:   {Write, Read},
		Daemon:          {Write, Read},
		AdvertiseStartd: {Read},
		AdvertiseSchedd: {Read},
		AdvertiseMaster: {Read},
	}
	for _, p := range Perms() {
		if diff := cmp.Diff(implies[p], p.Implies()); diff != "" {
			t.Errorf("%s.Implies() (-want +got):\n%s", p, diff)
		}
	}
	impliedBy := map[Perm][]Perm{
		Read:  {Write, Negotiator, Config, AdvertiseStartd, AdvertiseSchedd, AdvertiseMaster},
		Write: {Administrator, Daemon},
	}
	for _, p := range Perms() {
		if diff := cmp.Diff(impliedBy[p], p.ImpliedBy()); diff != "" {
			t.Errorf("%s.ImpliedBy() (-want +got):\n%s", p, diff)
		}
	}
}

func TestConfigChain(t *testing.T) {
	cases := []struct {
		p      Perm
		legacy bool
		want   []Perm
	}{
		{Read, false, []Perm{Read, Default}},
		{Default, false, []Perm{Default}},
		{Daemon, false, []Perm{Daemon, Default}},
		{Daemon, true, []Perm{Daemon, Write, Default}},
		{AdvertiseStartd, false, []Perm{AdvertiseStartd, Daemon, Default}},
		{AdvertiseMaster, true, []Perm{AdvertiseMaster, Daemon, Write, Default}},
		{Client, false, []Perm{Client, Default}},
	}
	for _, c := range cases {
		if diff := cmp.Diff(c.want, configChain(c.p, c.legacy)); diff != "" {
			t.Errorf("configChain(%s, %v) (-want +got):\n%s", c.p, c.legacy, diff)
		}
	}
}

func TestBoundingSet(t *testing.T) {
	cases := []struct {
		limit   []string
		bounded bool
		want    []Perm
	}{
		{nil, false, nil},
		{[]string{}, false, nil},
		{[]string{"", " "}, false, nil},
		{[]string{"READ"}, true, []Perm{Read}},
		{[]string{"daemon"}, true, []Perm{Write, Daemon, Read}},
		{[]string{"READ,ADMINISTRATOR"}, true, []Perm{Read, Write, Administrator}},
		{[]string{"ADVERTISE_STARTD", "bogus"}, true, []Perm{Read, AdvertiseStartd}},
		{[]string{"bogus"}, true, nil},
	}
	for _, c := range cases {
		set, bounded := BoundingSet(c.limit)
		if bounded != c.bounded {
			t.Errorf("BoundingSet(%q) bounded = %v", c.limit, bounded)
		}
		var got []Perm
		for _, p := range Perms() {
			if set[p] {
				got = append(got, p)
			}
		}
		want := map[Perm]bool{}
		for _, p := range c.want {
			want[p] = true
		}
		var wantList []Perm
		for _, p := range Perms() {
			if want[p] {
				wantList = append(wantList, p)
			}
		}
		if diff := cmp.Diff(wantList, got); diff != "" {
			t.Errorf("BoundingSet(%q) (-want +got):\n%s", c.limit, diff)
		}
	}
}

func TestMatchWildcard(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"alice@example.org", "alice@example.org", true},
		{"alice@example.org", "ALICE@Example.ORG", true},
		{"alice@example.org", "alice@example.orgx", false},
		{"*", "", true},
		{"*", "anything", true},
		{"**", "x", true},
		{"*@cs.wisc.edu", "zmiller@cs.wisc.edu", true},
		{"*@cs.wisc.edu", "zmiller@CS.wisc.edu", true},
		{"*@cs.wisc.edu", "zmiller@cs.wisc.edu.evil", false},
		{"condor@*", "condor@example.net", true},
		{"condor@*", "condor_pool@example.net", false},
		{"condor@*", "condor@", true},
		{"a*b", "ab", true},
		{"a*b", "axxb", true},
		{"a*b", "axxbc", false},
		{"a*a", "a", false}, // prefix and suffix may not overlap
		{"*cs.wisc.edu*", "bird.cs.wisc.edu.x", true},
		{"*cs.wisc.edu*", "bird.cs.wisc.ed", false},
		{"a*b*", "a--b--", true},
		{"a*b*", "a--c--", false},
		{"*a*b", "xxa*b", true}, // the inner '*' is literal
		{"*a*b", "xxaZb", false},
		{"\u212a", "k", false}, // C-locale folding only
		{"user", "user\x00", false},
	}
	for _, c := range cases {
		if got := matchWildcard(c.pat, c.s); got != c.want {
			t.Errorf("matchWildcard(%q, %q) = %v, want %v", c.pat, c.s, got, c.want)
		}
	}
}

func TestSplitEntry(t *testing.T) {
	cases := []struct{ in, user, host string }{
		{"alice@example.org", "alice@example.org", "*"},
		{"bird.cs.wisc.edu", "*", "bird.cs.wisc.edu"},
		{"*", "*", "*"},
		{"*/*", "*", "*"},
		{"zmiller@cs.wisc.edu/bird.cs.wisc.edu", "zmiller@cs.wisc.edu", "bird.cs.wisc.edu"},
		{"joesmith@cs.wisc.edu/192.0.2.0/24", "joesmith@cs.wisc.edu", "192.0.2.0/24"},
		{"192.0.2.0/24", "*", "192.0.2.0/24"},
		{"*/192.0.2.7", "*", "192.0.2.7"},
		{"condor_pool@*/*", "condor_pool@*", "*"},
		{"user/host", "user", "host"}, // strange entry
		{"*/{:local_ips:}", "*", "{:local_ips:}"},
		{"unauthenticated@unmapped", "unauthenticated@unmapped", "*"},
	}
	for _, c := range cases {
		u, h := splitEntry(c.in)
		if u != c.user || h != c.host {
			t.Errorf("splitEntry(%q) = %q, %q; want %q, %q", c.in, u, h, c.user, c.host)
		}
	}
}

func TestLimitFromScopes(t *testing.T) {
	cases := map[string][]string{
		"":                                   nil,
		"condor:/READ condor:/WRITE":         {"READ", "WRITE"},
		"condor:/READ,openid condor:/DAEMON": {"READ", "DAEMON"},
		"openid profile":                     nil,
		"condor:/ condor:/bogus":             {"", "bogus"},
		"CONDOR:/READ":                       nil,
	}
	for in, want := range cases {
		if diff := cmp.Diff(want, LimitFromScopes(in)); diff != "" {
			t.Errorf("LimitFromScopes(%q) (-want +got):\n%s", in, diff)
		}
	}
	// "condor:/" alone yields an empty name: bounded, nothing allowed.
	if _, bounded := BoundingSet(LimitFromScopes("condor:/ x")); bounded {
		t.Error("an empty name alone must not bound")
	}
}
