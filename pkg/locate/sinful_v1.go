package locate

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// route is one entry of the V1 address list (SourceRoute).
type route struct {
	proto string // "primary", "IPv4" or "IPv6"
	addr  string
	port  int
	net   string
	alias string
	spid  string
	ccbid string
	noUDP bool
}

// serialize is SourceRoute::serialize:
// [ p="…"; a="…"; port=N; n="…"; alias="…"; spid="…"; noUDP=true; ].
func (r route) serialize() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[ p=\"%s\"; a=\"%s\"; port=%d; n=\"%s\";", r.proto, r.addr, r.port, r.net)
	if r.alias != "" {
		b.WriteString(" alias=\"" + r.alias + "\";")
	}
	if r.spid != "" {
		b.WriteString(" spid=\"" + r.spid + "\";")
	}
	if r.noUDP {
		b.WriteString(" noUDP=true;")
	}
	b.WriteString(" ]")
	return b.String()
}

func protoOf(a netip.Addr) string {
	if a.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// primaryPort is getPortNum: the port, or -1 without one.
func (s Sinful) primaryPort() int {
	if s.port == "" {
		return -1
	}
	n, err := strconv.Atoi(s.port)
	if err != nil {
		return -1
	}
	return n
}

// simpleRoute is simpleRouteFromSinful: only for an IP-literal host with a
// port.
func (s Sinful) simpleRoute(network string) (route, bool) {
	ip, err := netip.ParseAddr(s.host)
	if err != nil || ip.Zone() != "" || s.primaryPort() == -1 {
		return route{}, false
	}
	return route{proto: protoOf(ip), addr: ip.String(), port: s.primaryPort(), net: network}, true
}

// V1String returns the address in the V1 form that daemons publish as the
// string attribute AddressV1 (cedar.md §6.6, pitfall 35;
// Sinful::regenerateV1String): a list that starts with a p="primary" entry
// for the host and port as written, then the private-network routes, then
// one IPv4/IPv6 entry per "addrs" address (or, for a sinful without
// parameters, for its IP-literal host), with alias, spid and noUDP copied
// onto every entry. Addresses with a CCB contact are not supported.
func (s Sinful) V1String() (string, error) {
	if s.CCBContact() != "" {
		return "", fmt.Errorf("%w: V1 form of an address with a CCB contact is not supported: %s", ErrSinful, s)
	}
	v := []route{{proto: "primary", addr: s.host, port: s.primaryPort(), net: publicNetwork}}
	var publics []route
	if len(s.params) == 0 {
		if r, ok := s.simpleRoute(publicNetwork); ok {
			publics = append(publics, r)
		}
	} else {
		for _, a := range s.addrs {
			publics = append(publics, route{proto: protoOf(a.Addr()), addr: a.Addr().String(), port: int(a.Port()), net: publicNetwork})
		}
	}
	if pn := s.PrivateNetworkName(); pn != "" {
		if pa := s.PrivateAddr(); pa == "" {
			for _, r := range publics {
				r.net = pn
				v = append(v, r)
			}
		} else {
			ps, err := ParseSinful(pa)
			if err != nil {
				return "", fmt.Errorf("%w: PrivAddr: %v", ErrSinful, err)
			}
			r, ok := ps.simpleRoute(pn)
			if !ok {
				return "", fmt.Errorf("%w: PrivAddr %q is not an ip:port", ErrSinful, pa)
			}
			v = append(v, r)
		}
	}
	v = append(v, publics...)
	parts := make([]string, len(v))
	for i := range v {
		v[i].alias = s.Alias()
		v[i].spid = s.SharedPortID()
		v[i].noUDP = s.NoUDP()
		parts[i] = v[i].serialize()
	}
	return "{" + strings.Join(parts, ", ") + "}", nil
}

// ParseV1 parses the V1 address form (an AddressV1 value) back into a
// Sinful, as Sinful::parseV1String does: host and port come from the
// p="primary" entry, the public IPv4/IPv6 entries become "addrs", one
// other-network entry becomes PrivAddr/PrivNet, and alias, spid and noUDP
// must agree across entries. CCB routes are not supported.
func ParseV1(text string) (Sinful, error) {
	routes, err := parseRoutes(text)
	if err != nil {
		return Sinful{}, fmt.Errorf("%w: V1 address %.80q: %v", ErrSinful, text, err)
	}
	bad := func(why string) (Sinful, error) {
		return Sinful{}, fmt.Errorf("%w: V1 address %.80q: %s", ErrSinful, text, why)
	}
	var s Sinful
	s.params = map[string]string{}
	var alias, privNet string
	noUDP := false
	for i, r := range routes {
		if r.ccbid != "" {
			return bad("CCB routes are not supported")
		}
		if r.spid != routes[0].spid {
			return bad("entries disagree on spid")
		}
		if r.alias != "" {
			if alias != "" && alias != r.alias {
				return bad("entries disagree on alias")
			}
			alias = r.alias
		}
		if r.net != publicNetwork {
			if privNet != "" && privNet != r.net {
				return bad("entries name different private networks")
			}
			privNet = r.net
		}
		noUDP = noUDP || r.noUDP
		if r.proto == "primary" {
			if strings.ContainsAny(r.addr, "[]<>?") {
				return bad(fmt.Sprintf("primary address %q cannot be a sinful host", r.addr))
			}
			s.host = r.addr
			if r.port >= 0 {
				s.port = strconv.Itoa(r.port)
			}
		} else if r.proto != "IPv4" && r.proto != "IPv6" {
			return bad(fmt.Sprintf("entry %d has unknown protocol %q", i, r.proto))
		}
	}
	if spid := routes[0].spid; spid != "" {
		s.params[ParamSock] = spid
	}
	if alias != "" {
		s.params[ParamAlias] = alias
	}
	if privNet != "" {
		s.params[ParamPrivNet] = privNet
	}
	var addrs []netip.AddrPort
	for _, r := range routes {
		if r.proto == "primary" || r.net != publicNetwork {
			continue
		}
		ap, err := routeAddr(r)
		if err != nil {
			return bad(err.Error())
		}
		addrs = append(addrs, ap)
	}
	for _, r := range routes {
		if r.net == publicNetwork {
			continue
		}
		ap, err := routeAddr(r)
		if err != nil {
			return bad(err.Error())
		}
		if containsAddr(addrs, ap) {
			continue // a public address reached by name on the private network
		}
		if _, dup := s.params[ParamPrivAddr]; dup {
			return bad("more than one private address")
		}
		p := Sinful{host: ap.Addr().String(), port: strconv.Itoa(int(ap.Port()))}
		if spid := routes[0].spid; spid != "" {
			p = p.WithSharedPortID(spid)
		}
		s.params[ParamPrivAddr] = p.String()
	}
	if noUDP {
		s.params[ParamNoUDP] = ""
	}
	if len(addrs) > 0 {
		s = s.WithAddrs(addrs)
	}
	if len(s.params) == 0 {
		s.params = nil
	}
	return s, nil
}

func containsAddr(list []netip.AddrPort, a netip.AddrPort) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func routeAddr(r route) (netip.AddrPort, error) {
	ip, err := netip.ParseAddr(r.addr)
	if err != nil || ip.Zone() != "" || r.port < 0 || r.port > 65535 {
		return netip.AddrPort{}, fmt.Errorf("entry a=%q port=%d is not an address", r.addr, r.port)
	}
	return netip.AddrPortFrom(ip, uint16(r.port)), nil
}

// parseRoutes reads "{[ k=v; … ], …}". Values are quoted strings without
// escapes (as SourceRoute::serialize writes them) or bare words.
func parseRoutes(text string) ([]route, error) {
	s := strings.TrimSpace(text)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return nil, errors.New("not enclosed in { }")
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	var out []route
	for s != "" {
		if !strings.HasPrefix(s, "[") {
			return nil, fmt.Errorf("expected '[' at %.20q", s)
		}
		s = s[1:]
		r := route{port: -1}
		seen := map[string]bool{}
		for {
			s = strings.TrimLeft(s, " \t")
			if strings.HasPrefix(s, "]") {
				s = s[1:]
				break
			}
			eq := strings.IndexByte(s, '=')
			if eq <= 0 {
				return nil, fmt.Errorf("expected key=value at %.20q", s)
			}
			key := strings.TrimSpace(s[:eq])
			s = strings.TrimLeft(s[eq+1:], " \t")
			var val string
			quoted := strings.HasPrefix(s, "\"")
			if quoted {
				end := strings.IndexByte(s[1:], '"')
				if end < 0 {
					return nil, errors.New("unterminated string")
				}
				val, s = s[1:1+end], s[2+end:]
			} else {
				end := strings.IndexAny(s, "; ]")
				if end < 0 {
					return nil, errors.New("unterminated value")
				}
				val, s = s[:end], s[end:]
			}
			s = strings.TrimLeft(s, " \t")
			if !strings.HasPrefix(s, ";") {
				return nil, fmt.Errorf("expected ';' after %s", key)
			}
			s = s[1:]
			if seen[key] {
				return nil, fmt.Errorf("attribute %s repeated", key)
			}
			seen[key] = true
			switch key {
			case "p":
				r.proto = val
			case "a":
				r.addr = val
			case "port":
				n, err := strconv.Atoi(val)
				if err != nil || quoted {
					return nil, fmt.Errorf("port %q is not an integer", val)
				}
				r.port = n
			case "n":
				r.net = val
			case "alias":
				r.alias = val
			case "spid":
				r.spid = val
			case "ccbid", "ccbspid":
				r.ccbid = val
			case "noUDP":
				if val != "true" && val != "" {
					return nil, fmt.Errorf("noUDP=%q", val)
				}
				r.noUDP = true
			}
		}
		if !seen["p"] || !seen["a"] || !seen["port"] || !seen["n"] {
			return nil, errors.New("entry lacks one of p, a, port, n")
		}
		out = append(out, r)
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, ",") {
			s = strings.TrimSpace(s[1:])
			if s == "" {
				return nil, errors.New("trailing ','")
			}
		} else if s != "" {
			return nil, fmt.Errorf("expected ',' at %.20q", s)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no entries")
	}
	return out, nil
}
