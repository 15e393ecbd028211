package tokenreq

import (
	"net/netip"

	"github.com/condor-auth/condor-auth/pkg/netaddr"
)

// netblock is a parsed auto-approval network (condor_netaddr, tokens.md
// §3.6; the syntax is pkg/netaddr's).
type netblock struct {
	all    bool
	prefix netip.Prefix
}

// maxNetblockLen bounds a rule's text (it is stored); the longest
// meaningful form, a bracketed IPv6 address with a mask, is far shorter.
const maxNetblockLen = 100

// parseNetblock parses s like condor_netaddr::from_net_string, through
// pkg/netaddr, which already refuses an empty mask ("10.0.0.0/", which
// strtoul reads as /0, every IPv4 address), a signed or spaced mask and a
// dotted mask whose ones are not leftmost. Auto-approval also refuses "."
// and ".*" (every IPv4 address) and texts over 100 bytes: all of these are
// surprising ways to approve everyone.
func parseNetblock(s string) (netblock, bool) {
	if len(s) > maxNetblockLen {
		return netblock{}, false
	}
	n, ok := netaddr.Parse(s)
	if !ok {
		return netblock{}, false
	}
	if n.All {
		return netblock{all: true}, true
	}
	if netaddr.IsIPv4Wildcard(s) && n.Prefix.Bits() == 0 {
		return netblock{}, false // "." or ".*": use "*" or 0.0.0.0/0 to mean it
	}
	return netblock{prefix: n.Prefix}, true
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

// parseIP is condor_sockaddr::from_ip_string.
func parseIP(s string) (netip.Addr, bool) { return netaddr.ParseIP(s) }

// ValidNetblock reports whether s is a netblock an auto-approval rule
// accepts (CIDR, a bare address, or an IPv4 wildcard such as 10.0.*), so
// clients can refuse a bad one before contacting the daemon.
func ValidNetblock(s string) bool {
	_, ok := parseNetblock(s)
	return ok
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
