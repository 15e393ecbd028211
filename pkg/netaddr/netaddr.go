// Package netaddr parses HTCondor's network specifiers
// (condor_netaddr::from_net_string) as ALLOW/DENY host entries and token
// auto-approval netblocks use them: "*", "*/*", ADDR/BITS, IPv4
// ADDR/DOTTED.MASK, a bare IPv4 or IPv6 address, an IPv4 wildcard such as
// "128.105.*" or "128.105.", and an IPv6 wildcard whose '*' directly follows
// the last ':' ("2001:db8:*" = 2001:db8::/32). tokens.md §3.6 lists the
// accepted syntax.
package netaddr

import (
	"net/netip"
	"strconv"
	"strings"
)

// Net is a parsed network specifier.
type Net struct {
	// All is "*" or "*/*": every address of either family.
	All bool
	// Prefix is the network otherwise (masked).
	Prefix netip.Prefix
}

// Contains reports whether ip lies in n. An address of the other family
// never matches (condor_netaddr::match); All matches any valid address.
func (n Net) Contains(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	if n.All {
		return true
	}
	return n.Prefix.IsValid() && n.Prefix.Addr().Is4() == ip.Is4() && n.Prefix.Contains(ip)
}

// Parse parses s like condor_netaddr::from_net_string. A mask longer than
// the address means the full address, as strtoul and the C++ clamp give.
func Parse(s string) (Net, bool) {
	if s == "*" || s == "*/*" {
		return Net{All: true}, true
	}
	if slash := strings.IndexByte(s, '/'); slash >= 0 {
		base, ok := ParseIP(s[:slash])
		if !ok {
			return Net{}, false
		}
		right := s[slash+1:]
		if right != "" && allDigits(right) {
			bits, err := strconv.ParseUint(right, 10, 64)
			if err != nil || bits > uint64(base.BitLen()) {
				bits = uint64(base.BitLen())
			}
			return prefix(base, int(bits))
		}
		if !base.Is4() {
			return Net{}, false // only IPv4 takes a dotted mask
		}
		mask, ok := ParseIP(right)
		if !ok || !mask.Is4() {
			return Net{}, false
		}
		bits, ok := maskBits(mask.As4())
		if !ok {
			return Net{}, false
		}
		return prefix(base, bits)
	}
	if !strings.Contains(s, ":") {
		base, parts, ok := parseIPv4Wildcard(s)
		if !ok {
			return Net{}, false
		}
		return prefix(base, 8*parts)
	}
	star := strings.IndexByte(s, '*')
	if star < 0 {
		a, ok := ParseIP(s)
		if !ok {
			return Net{}, false
		}
		return prefix(a, a.BitLen())
	}
	if star != strings.LastIndexByte(s, ':')+1 {
		return Net{}, false
	}
	a, err := netip.ParseAddr(s[:star] + ":" + s[star+1:])
	if err != nil || !a.Is6() || a.Zone() != "" {
		return Net{}, false
	}
	return prefix(a, min(16*strings.Count(s, ":"), 128))
}

// IsIPv4Wildcard reports whether s is in the IPv4 wildcard form (no '/',
// no ':'), the form in which "." or ".*" mean every IPv4 address.
func IsIPv4Wildcard(s string) bool {
	return s != "*" && !strings.ContainsAny(s, "/:")
}

func prefix(base netip.Addr, bits int) (Net, bool) {
	p, err := base.Prefix(bits)
	if err != nil {
		return Net{}, false
	}
	return Net{Prefix: p}, true
}

// ParseIP is condor_sockaddr::from_ip_string: an optional [bracketed] form,
// then a dotted-quad IPv4 address or an IPv6 literal without a zone.
func ParseIP(s string) (netip.Addr, bool) {
	if strings.HasPrefix(s, "[") {
		if end := strings.IndexByte(s, ']'); end > 0 && end-1 <= 39 {
			s = s[1:end]
		}
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

// parseIPv4Wildcard is is_ipv4_addr_implementation with wildcards allowed:
// at most 15 characters; one trailing '*' or '.' (with a '.' before it) is
// dropped; then up to four decimal parts 0..255. Missing parts are
// wildcards: "192.168.*" is 192.168.0.0/16, and no part at all is /0.
func parseIPv4Wildcard(s string) (netip.Addr, int, bool) {
	if len(s) < 1 || len(s) > 15 {
		return netip.Addr{}, 0, false
	}
	if c := s[len(s)-1]; c == '*' || c == '.' {
		if len(s) > 1 && s[len(s)-2] == '.' {
			s = s[:len(s)-2]
		} else {
			s = s[:len(s)-1]
		}
	}
	var b [4]byte
	parts := 0
	for i := 0; i < len(s); {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return netip.Addr{}, 0, false
		}
		x, err := strconv.Atoi(s[j:i])
		if err != nil || x > 255 {
			return netip.Addr{}, 0, false
		}
		b[parts] = byte(x)
		parts++
		if i == len(s) {
			break
		}
		if s[i] != '.' {
			return netip.Addr{}, 0, false
		}
		i++
		if parts >= 4 {
			return netip.Addr{}, 0, false
		}
	}
	return netip.AddrFrom4(b), parts, true
}

// maskBits converts a dotted netmask to a prefix length; its ones must be
// contiguous (255.129.0.0 is refused).
func maskBits(m [4]byte) (int, bool) {
	v := uint32(m[0])<<24 | uint32(m[1])<<16 | uint32(m[2])<<8 | uint32(m[3])
	bits := 0
	for v&0x80000000 != 0 {
		bits++
		v <<= 1
	}
	return bits, v == 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
