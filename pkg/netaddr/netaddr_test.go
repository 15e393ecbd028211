package netaddr

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The cases below are condor_netaddr::from_net_string's behaviour as the
// ALLOW/DENY lists and auto-approval rules rely on it (tokens.md §3.6).

func TestParseNet(t *testing.T) {
	type res struct {
		ok   bool
		all  bool
		base string
		bits int
	}
	cases := []struct {
		in   string
		want res
	}{
		{"*", res{ok: true, all: true}},
		{"*/*", res{ok: true, all: true}},
		{"192.168.1.5", res{true, false, "192.168.1.5", 32}},
		{"128.105.*", res{true, false, "128.105.0.0", 16}},
		{"128.105.", res{true, false, "128.105.0.0", 16}},
		{"128.105.3*", res{true, false, "128.105.3.0", 24}},
		{"10.*", res{true, false, "10.0.0.0", 8}},
		{"192.0.2.0/24", res{true, false, "192.0.2.0", 24}},
		{"192.0.2.0/255.255.192.0", res{true, false, "192.0.0.0", 18}},
		{"192.0.2.0/255.129.0.0", res{}},
		{"192.0.2.0/40", res{true, false, "192.0.2.0", 32}},
		{"192.0.2.0/x", res{}},
		{"192.0.2.0/", res{}},
		{"2001:db8::/32", res{true, false, "2001:db8::", 32}},
		{"2001:db8::1", res{true, false, "2001:db8::1", 128}},
		{"[2001:db8::1]", res{true, false, "2001:db8::1", 128}},
		{"2001:db8:*", res{true, false, "2001:db8::", 32}},
		{"2001:*:1", res{}},
		{"fe80::1%eth0", res{}},
		{"2001:db8::/255.255.0.0", res{}},
		{"256.1.1.1", res{}},
		{"1.2.3.4.5", res{}},
		{"01.2.3.4/8", res{}}, // leading zeros are refused by inet_pton
		{"bird.cs.wisc.edu", res{}},
		{"*.cs.wisc.edu", res{}},
		{"", res{}},
	}
	for _, c := range cases {
		n, ok := Parse(c.in)
		got := res{ok: ok, all: n.All}
		if n.Prefix.IsValid() {
			got.base, got.bits = n.Prefix.Addr().String(), n.Prefix.Bits()
		}
		if diff := cmp.Diff(c.want, got, cmp.AllowUnexported(res{})); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

func TestNetMatch(t *testing.T) {
	cases := []struct {
		pat, ip string
		want    bool
	}{
		{"*", "10.1.2.3", true},
		{"*", "2001:db8::1", true},
		{"128.105.*", "128.105.7.8", true},
		{"128.105.*", "128.106.7.8", false},
		{"192.0.2.0/24", "192.0.2.200", true},
		{"192.0.2.0/24", "192.0.3.1", false},
		{"192.0.2.0/24", "::ffff:192.0.2.1", false}, // other family
		{"2001:db8:*", "2001:db8:1::5", true},
		{"2001:db8:*", "2001:db9::5", false},
		{"0.0.0.0/0", "8.8.8.8", true},
	}
	for _, c := range cases {
		n, ok := Parse(c.pat)
		if !ok {
			t.Fatalf("Parse(%q) failed", c.pat)
		}
		if got := n.Contains(netip.MustParseAddr(c.ip)); got != c.want {
			t.Errorf("%q matches %s = %v, want %v", c.pat, c.ip, got, c.want)
		}
	}
}

// TestIPv4WildcardWithoutParts: "." and ".*" name every IPv4 address, as in
// HTCondor; IsIPv4Wildcard lets stricter callers refuse them.
func TestIPv4WildcardWithoutParts(t *testing.T) {
	for _, s := range []string{".", ".*"} {
		n, ok := Parse(s)
		if !ok || n.Prefix.Bits() != 0 || !n.Prefix.Addr().Is4() || !IsIPv4Wildcard(s) {
			t.Errorf("Parse(%q) = %+v, %v", s, n, ok)
		}
	}
	for _, s := range []string{"*", "10.0.0.0/0", "::/0"} {
		if IsIPv4Wildcard(s) {
			t.Errorf("IsIPv4Wildcard(%q) = true", s)
		}
	}
	if (Net{All: true}).Contains(netip.Addr{}) {
		t.Error("an invalid address matched *")
	}
}

// FuzzParse: no panics, and a parsed network contains its own address.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"*", "10.0.0.0/8", "192.0.2.0/255.255.255.0", "128.105.*", "2001:db8:*", "[::1]", ".", "1.2.3.4/99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := Parse(s)
		if !ok || n.All {
			return
		}
		if !n.Contains(n.Prefix.Addr()) {
			t.Fatalf("%q: %v does not contain its own address", s, n.Prefix)
		}
	})
}
