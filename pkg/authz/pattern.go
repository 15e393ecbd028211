package authz

import (
	"net/netip"
	"strconv"
	"strings"
)

// localIPsKey is the special host "{:local_ips:}": every address of the
// local machine (matches_withnetwork, condor_sockaddr.cpp).
const localIPsKey = "{:local_ips:}"

// matchWildcard matches str against an ALLOW/DENY user or host pattern,
// case-insensitively (ASCII), like matches_withwildcard_impl with anycase
// and without prefix mode: no '*' means equality; a leading '*' makes the
// rest a suffix; a trailing '*' makes the part before it a prefix; one '*'
// inside splits a prefix from a suffix; a second, trailing '*' turns the
// suffix into "occurs somewhere after the prefix". Other '*' are literal.
func matchWildcard(pat, str string) bool {
	i := strings.IndexByte(pat, '*')
	if i < 0 {
		return asciiEqualFold(pat, str)
	}
	var start, end string
	prefix := false
	switch {
	case i == 0:
		end = pat[1:]
	case i == len(pat)-1:
		start, prefix = pat[:i], true
	default:
		start, end = pat[:i], pat[i+1:]
	}
	if end != "" && end[len(end)-1] == '*' {
		end, prefix = end[:len(end)-1], true
	}
	consumed := 0
	if start != "" {
		if len(str) < len(start) || !asciiEqualFold(start, str[:len(start)]) {
			return false
		}
		consumed = len(start)
	}
	if end == "" {
		return true
	}
	tail := str[consumed:]
	if prefix {
		return asciiContainsFold(tail, end)
	}
	return len(tail) >= len(end) && asciiEqualFold(tail[len(tail)-len(end):], end)
}

func asciiContainsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if asciiEqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// netPattern is a parsed network specifier (condor_netaddr).
type netPattern struct {
	all  bool // "*" or "*/*": every address of either family
	base netip.Addr
	bits int
}

func (n netPattern) match(ip netip.Addr) bool {
	if n.all {
		return true
	}
	if !ip.IsValid() || n.base.Is4() != ip.Is4() {
		return false // an address of the other family never matches
	}
	p, err := n.base.Prefix(n.bits)
	if err != nil {
		return false
	}
	return p.Contains(ip)
}

// parseNet parses a network specifier like condor_netaddr::from_net_string:
// "*", "*/*", ip/bits, ipv4/dotted-mask, an IPv4 literal or wildcard
// ("128.105.*", "128.105."), an IPv6 literal, or an IPv6 wildcard whose '*'
// directly follows the last ':' ("2001:db8:*" = 2001:db8::/32).
func parseNet(s string) (netPattern, bool) {
	if s == "*" || s == "*/*" {
		return netPattern{all: true}, true
	}
	if slash := strings.IndexByte(s, '/'); slash >= 0 {
		base, ok := parseIPString(s[:slash])
		if !ok {
			return netPattern{}, false
		}
		right := s[slash+1:]
		if right != "" && allDigits(right) {
			bits, err := strconv.ParseUint(right, 10, 64)
			if err != nil || bits > uint64(base.BitLen()) {
				bits = uint64(base.BitLen()) // C++ clamps to a full mask
			}
			return netPattern{base: base, bits: int(bits)}, true
		}
		if !base.Is4() {
			return netPattern{}, false // only IPv4 takes a dotted mask
		}
		mask, ok := parseIPString(right)
		if !ok || !mask.Is4() {
			return netPattern{}, false
		}
		bits, ok := maskBits(mask.As4())
		if !ok {
			return netPattern{}, false
		}
		return netPattern{base: base, bits: bits}, true
	}
	if !strings.Contains(s, ":") {
		base, parts, ok := parseIPv4Wildcard(s)
		if !ok {
			return netPattern{}, false
		}
		return netPattern{base: netip.AddrFrom4(base), bits: 8 * parts}, true
	}
	star := strings.IndexByte(s, '*')
	if star < 0 {
		a, ok := parseIPString(s)
		if !ok {
			return netPattern{}, false
		}
		return netPattern{base: a, bits: a.BitLen()}, true
	}
	if star != strings.LastIndexByte(s, ':')+1 {
		return netPattern{}, false
	}
	a, err := netip.ParseAddr(s[:star] + ":" + s[star+1:])
	if err != nil || !a.Is6() || a.Zone() != "" {
		return netPattern{}, false
	}
	bits := 16 * strings.Count(s, ":")
	if bits > 128 {
		bits = 128
	}
	return netPattern{base: a, bits: bits}, true
}

// parseIPString is condor_sockaddr::from_ip_string: optional [brackets],
// then a dotted-quad IPv4 or an IPv6 literal without zone.
func parseIPString(s string) (netip.Addr, bool) {
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

// parseIPv4Wildcard is is_ipv4_addr_implementation with wildcards: at most
// 15 characters, one trailing '*' or '.' (with a '.' before it) is dropped,
// then up to four decimal parts 0..255; missing parts are wildcards.
func parseIPv4Wildcard(s string) (base [4]byte, parts int, ok bool) {
	if len(s) < 1 || len(s) > 15 {
		return base, 0, false
	}
	if c := s[len(s)-1]; c == '*' || c == '.' {
		if len(s) > 1 && s[len(s)-2] == '.' {
			s = s[:len(s)-2]
		} else {
			s = s[:len(s)-1]
		}
	}
	for i := 0; i < len(s); {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return base, 0, false
		}
		x, err := strconv.Atoi(s[j:i])
		if err != nil || x > 255 {
			return base, 0, false
		}
		base[parts] = byte(x)
		parts++
		if i == len(s) {
			break
		}
		if s[i] != '.' {
			return base, 0, false
		}
		i++
		if parts >= 4 {
			return base, 0, false
		}
	}
	for k := parts; k < 4; k++ {
		base[k] = 255
	}
	return base, parts, true
}

// maskBits converts a dotted netmask to a prefix length; the ones must be
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

// splitEntry splits one ALLOW/DENY entry into user and host the way
// IpVerify::split_entry does (see the package documentation).
func splitEntry(e string) (user, host string) {
	slash := strings.IndexByte(e, '/')
	if slash < 0 {
		if strings.IndexByte(e, '@') >= 0 {
			return e, "*"
		}
		return "*", e
	}
	rest := e[slash+1:]
	if strings.IndexByte(rest, '/') >= 0 {
		return e[:slash], rest // user/net/mask
	}
	if at := strings.IndexByte(e, '@'); (at >= 0 && at < slash) || e[0] == '*' {
		return e[:slash], rest
	}
	if _, ok := parseNet(e); ok {
		return "*", e // net/mask
	}
	return e[:slash], rest // "strange entry": still user/host
}

// looksLikeSinful reports whether a host that is neither a wildcard nor a
// network would be taken for a sinful string, which HTCondor refuses to
// resolve (ExpandHostAddresses).
func looksLikeSinful(h string) bool {
	return strings.ContainsAny(h, "<>?:")
}
