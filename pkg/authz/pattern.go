package authz

import (
	"strings"

	"github.com/condor-auth/condor-auth/pkg/netaddr"
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
	if _, ok := netaddr.Parse(e); ok {
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
