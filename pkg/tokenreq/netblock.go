package tokenreq

import (
	"net/netip"
	"strconv"
	"strings"
)

// netblock is a parsed auto-approval network (condor_netaddr), tokens.md
// §3.6: "*" or "*/*" (everything), ADDR/BITS, IPv4 ADDR/DOTTED.MASK, a bare
// IPv4 or IPv6 address, an IPv4 wildcard such as "192.168.*" or "10.1",
// or an IPv6 wildcard whose '*' directly follows the last ':'
// ("2001:db8:*" = 2001:db8::/32).
type netblock struct {
	all    bool
	prefix netip.Prefix
}

// maxNetblockLen bounds a rule's text (it is stored); the longest
// meaningful form, a bracketed IPv6 address with a mask, is far shorter.
const maxNetblockLen = 100

// parseNetblock parses s like condor_netaddr::from_net_string. Deliberate
// differences, all refusing what HTCondor would read in a surprising way:
// an empty mask ("10.0.0.0/", which strtoul reads as /0, i.e. every IPv4
// address), a signed or spaced mask, a dotted mask whose ones are not
// leftmost, "." and ".*" (every IPv4 address), and texts over 100 bytes.
func parseNetblock(s string) (netblock, bool) {
	if len(s) > maxNetblockLen {
		return netblock{}, false
	}
	if s == "*" || s == "*/*" {
		return netblock{all: true}, true
	}
	if slash := strings.IndexByte(s, '/'); slash >= 0 {
		base, ok := parseIP(s[:slash])
		if !ok {
			return netblock{}, false
		}
		right := s[slash+1:]
		if right != "" && allDigits(right) {
			bits := base.BitLen()
			if len(right) <= 3 {
				if n, _ := strconv.Atoi(right); n < bits {
					bits = n // larger masks mean the full address, as in C++
				}
			}
			return mkNetblock(base, bits)
		}
		if !base.Is4() {
			return netblock{}, false // only IPv4 takes a dotted mask
		}
		mask, ok := parseIP(right)
		if !ok || !mask.Is4() {
			return netblock{}, false
		}
		bits, ok := maskBits(mask.As4())
		if !ok {
			return netblock{}, false
		}
		return mkNetblock(base, bits)
	}
	if !strings.Contains(s, ":") {
		base, bits, ok := parseIPv4Wildcard(s)
		if !ok {
			return netblock{}, false
		}
		return mkNetblock(base, bits)
	}
	star := strings.IndexByte(s, '*')
	if star < 0 {
		a, ok := parseIP(s)
		if !ok {
			return netblock{}, false
		}
		return mkNetblock(a, a.BitLen())
	}
	if star != strings.LastIndexByte(s, ':')+1 {
		return netblock{}, false
	}
	a, err := netip.ParseAddr(s[:star] + ":" + s[star+1:])
	if err != nil || !a.Is6() || a.Zone() != "" {
		return netblock{}, false
	}
	return mkNetblock(a, min(16*strings.Count(s, ":"), 128))
}

func mkNetblock(base netip.Addr, bits int) (netblock, bool) {
	p, err := base.Prefix(bits)
	if err != nil {
		return netblock{}, false
	}
	return netblock{prefix: p}, true
}

// match reports whether the peer address text (a PeerLocation) lies in n;
// an address of the other family never matches, an unparsable one no
// network, not even "*" (matches_withnetwork). An IPv4-mapped IPv6 peer
// counts as IPv4 (HTCondor would compare it as IPv6 and match no IPv4
// rule; Caller.Peer's text never has that form anyway).
func (n netblock) match(peer string) bool {
	a, ok := parseIP(peer)
	if !ok {
		return false
	}
	return n.all || n.prefix.Contains(a.Unmap())
}

// parseIP is condor_sockaddr::from_ip_string: an optional [bracketed]
// form, then a dotted-quad IPv4 address or an IPv6 literal (no zone).
func parseIP(s string) (netip.Addr, bool) {
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
// dropped; then one to four decimal parts 0..255. Missing parts are
// wildcards, so "192.168.*" is 192.168.0.0/16.
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
	if parts == 0 {
		return netip.Addr{}, 0, false // "*" alone is handled by the caller
	}
	return netip.AddrFrom4(b), 8 * parts, true
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

// ValidNetblock reports whether s is a netblock an auto-approval rule
// accepts (CIDR, a bare address, or an IPv4 wildcard such as 10.0.*), so
// clients can refuse a bad one before contacting the daemon.
func ValidNetblock(s string) bool {
	_, ok := parseNetblock(s)
	return ok
}
