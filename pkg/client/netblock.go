package client

import (
	"net/netip"
	"strconv"
	"strings"
)

// validNetblock is the client-side check of an auto-approval netblock
// (condor_netaddr::from_net_string, tokens.md §3.6): "*" or "*/*", an
// address with "/bits" or (IPv4) "/dotted.mask", a bare address, an IPv4
// wildcard such as "192.168.*" or "10.1", or an IPv6 prefix ending in ":*".
// The daemon validates again; this only spares a connection for text that
// can never be a netblock.
func validNetblock(s string) bool {
	if s == "*" || s == "*/*" {
		return true
	}
	if len(s) > 100 {
		return false
	}
	if base, mask, ok := strings.Cut(s, "/"); ok {
		a, ok := parseAddr(base)
		if !ok || mask == "" {
			return false
		}
		if allDigits(mask) {
			return true
		}
		m, ok := parseAddr(mask)
		return ok && a.Is4() && m.Is4() && contiguousMask(m.As4())
	}
	if !strings.Contains(s, ":") {
		return ipv4Wildcard(s)
	}
	if strings.HasSuffix(s, ":*") {
		_, err := netip.ParseAddr(strings.TrimSuffix(s, "*") + ":")
		return err == nil
	}
	_, ok := parseAddr(s)
	return ok
}

// parseAddr reads an IP literal, IPv6 optionally in brackets, no zone.
func parseAddr(s string) (netip.Addr, bool) {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil && a.Zone() == ""
}

// ipv4Wildcard accepts one to four dotted decimal parts 0..255, optionally
// followed by ".*", "*" or ".".
func ipv4Wildcard(s string) bool {
	s = strings.TrimSuffix(s, "*")
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 15 {
		return false
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || !allDigits(p) {
			return false
		}
		if n, err := strconv.Atoi(p); err != nil || n > 255 {
			return false
		}
	}
	return true
}

// contiguousMask reports whether a dotted netmask has its ones leftmost.
func contiguousMask(m [4]byte) bool {
	v := uint32(m[0])<<24 | uint32(m[1])<<16 | uint32(m[2])<<8 | uint32(m[3])
	return v == 0 || (^v)&((^v)+1) == 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
