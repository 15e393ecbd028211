package locate

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Sinful parameter keys (cedar.md §6.7, pitfall 32). Keys are
// case-sensitive.
const (
	ParamAddrs    = "addrs"
	ParamAlias    = "alias"
	ParamSock     = "sock"
	ParamCCBID    = "CCBID"
	ParamPrivAddr = "PrivAddr"
	ParamPrivNet  = "PrivNet"
	ParamNoUDP    = "noUDP"
)

const (
	maxSinfulLength  = 64 << 10   // longer input is refused outright
	publicNetwork    = "Internet" // PUBLIC_NETWORK_NAME
	maxSharedPortLen = 1023       // shared_port_server.cpp buffer size - 1
)

// ErrSinful is wrapped by every sinful-string parse error.
var ErrSinful = errors.New("invalid sinful string")

// Sinful is an HTCondor daemon address, a "sinful string" such as
// <192.168.1.5:9618?addrs=192.168.1.5-9618&alias=ap.example.org&sock=schedd_1234_a1b2>
// (cedar.md §6.7; C++ class Sinful). The zero value is empty and invalid
// for connecting. Sinful values are immutable; the With methods return
// modified copies.
type Sinful struct {
	host   string            // without [brackets]
	port   string            // decimal digits as written, "" when absent
	params map[string]string // decoded keys and values
	addrs  []netip.AddrPort  // parsed "addrs" parameter
}

// NewSinful returns the sinful <host:port> (generate_sinful): an IPv6
// literal host is put in brackets.
func NewSinful(host string, port int) Sinful {
	return Sinful{host: strings.Trim(host, "[]"), port: strconv.Itoa(port)}
}

// ParseSinful parses an address the way the C++ Sinful constructor does:
// "<host[:port][?params]>", an unbracketed "host:port", a bare IPv6
// literal (two or more ':' before any '?'), or "[v6]:port"; a string
// starting with '{' is the V1 form (see ParseV1). Parameters are
// "key[=value]" joined by '&' or ';', %xx-decoded ('+' stays literal);
// a repeated key keeps its last value; "addrs" must hold '+'-separated
// ip-port entries.
func ParseSinful(s string) (Sinful, error) {
	if s == "" {
		return Sinful{}, fmt.Errorf("%w: empty address", ErrSinful)
	}
	if len(s) > maxSinfulLength {
		return Sinful{}, fmt.Errorf("%w: %d bytes is too long", ErrSinful, len(s))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return Sinful{}, fmt.Errorf("%w: %q contains a NUL byte", ErrSinful, s)
	}
	switch s[0] {
	case '<':
	case '[':
		s = "<" + s + ">"
	case '{':
		return ParseV1(s)
	default:
		if hasTwoColonsInHost(s) {
			s = "<[" + s + "]>"
		} else {
			s = "<" + s + ">"
		}
	}
	return parseBracketed(s)
}

// MustParseSinful is ParseSinful for constants of the program; it panics
// on error.
func MustParseSinful(s string) Sinful {
	v, err := ParseSinful(s)
	if err != nil {
		panic(err)
	}
	return v
}

func hasTwoColonsInHost(s string) bool {
	first := strings.IndexByte(s, ':')
	if first < 0 {
		return false
	}
	second := strings.IndexByte(s[first+1:], ':')
	if second < 0 {
		return false
	}
	second += first + 1
	q := strings.IndexByte(s, '?')
	return q < 0 || second < q
}

// parseBracketed is split_sin plus parameter parsing (condor_sinful.cpp).
func parseBracketed(orig string) (Sinful, error) {
	bad := func(why string) (Sinful, error) {
		return Sinful{}, fmt.Errorf("%w: %q: %s", ErrSinful, orig, why)
	}
	s := orig[1:]
	var v Sinful
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return bad("missing ']' after the IPv6 address")
		}
		v.host = s[1:end]
		if strings.ContainsAny(v.host, "[<>?") {
			// C++ takes these, but then cannot write the host back.
			return bad("'[', '<', '>' or '?' inside the brackets")
		}
		s = s[end+1:]
	} else {
		n := strings.IndexAny(s, ":?>")
		if n < 0 {
			n = len(s)
		}
		v.host, s = s[:n], s[n:]
	}
	if strings.HasPrefix(s, ":") {
		s = s[1:]
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		v.port, s = s[:n], s[n:]
	}
	var params string
	if strings.HasPrefix(s, "?") {
		s = s[1:]
		n := strings.IndexByte(s, '>')
		if n < 0 {
			n = len(s)
		}
		params, s = s[:n], s[n:]
	}
	if s != ">" {
		return bad("expected '>' at the end")
	}
	if params != "" {
		p, err := parseParams(params)
		if err != nil {
			return bad(err.Error())
		}
		v.params = p
		if a, ok := p[ParamAddrs]; ok {
			addrs, err := parseAddrs(a)
			if err != nil {
				return bad(err.Error())
			}
			v.addrs = addrs
		}
	}
	return v, nil
}

// parseParams is parseUrlEncodedParams.
func parseParams(s string) (map[string]string, error) {
	out := map[string]string{}
	for len(s) > 0 {
		for len(s) > 0 && (s[0] == '&' || s[0] == ';') {
			s = s[1:]
		}
		if s == "" {
			break
		}
		n := strings.IndexAny(s, "=&;")
		if n < 0 {
			n = len(s)
		}
		if n == 0 {
			return nil, errors.New("parameter with an empty name")
		}
		key, err := urlDecode(s[:n])
		if err != nil {
			return nil, err
		}
		s = s[n:]
		val := ""
		if strings.HasPrefix(s, "=") {
			s = s[1:]
			m := strings.IndexAny(s, "&;")
			if m < 0 {
				m = len(s)
			}
			if val, err = urlDecode(s[:m]); err != nil {
				return nil, err
			}
			s = s[m:]
		}
		out[key] = val
	}
	return out, nil
}

func urlDecode(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("truncated %%-escape in %q", s)
		}
		hi, ok1 := unhexDigit(s[i+1])
		lo, ok2 := unhexDigit(s[i+2])
		c := hi<<4 | lo
		if !ok1 || !ok2 || c == 0 {
			return "", fmt.Errorf("bad %%-escape %q", s[i:i+3])
		}
		b.WriteByte(c)
		i += 2
	}
	return b.String(), nil
}

func unhexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// needsEscape is needsUrlEncodeEscape: alphanumerics and . _ - : # [ ] +
// stay as they are.
func needsEscape(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return false
	}
	return !strings.ContainsRune("._-:#[]+", rune(c))
}

// urlEncode escapes with lower-case %xx. (The C++ code formats a signed
// char, so bytes ≥ 0x80 come out as "%ff"; this writes the real byte.)
func urlEncode(b *strings.Builder, s string) {
	const hexdigits = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !needsEscape(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdigits[c>>4])
		b.WriteByte(hexdigits[c&15])
	}
}

// parseAddrs parses the "addrs" value: '+'-separated entries (empty ones
// skipped), each ip-port with ':' written as '-' (from_ccb_safe_string).
func parseAddrs(s string) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	for _, item := range strings.Split(s, "+") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		ap, err := parseCCBSafe(item)
		if err != nil {
			return nil, err
		}
		out = append(out, ap)
	}
	return out, nil
}

func parseCCBSafe(item string) (netip.AddrPort, error) {
	dash := strings.LastIndexByte(item, '-')
	if dash < 0 {
		return netip.AddrPort{}, fmt.Errorf("addrs entry %q has no port", item)
	}
	ipText := strings.ReplaceAll(item[:dash], "-", ":")
	ipText = strings.TrimSuffix(strings.TrimPrefix(ipText, "["), "]")
	ip, err := netip.ParseAddr(ipText)
	portText := item[dash+1:]
	port, perr := strconv.ParseUint(portText, 10, 16)
	if err != nil || ip.Zone() != "" || perr != nil || !allDigits(portText) {
		return netip.AddrPort{}, fmt.Errorf("addrs entry %q is not ip-port", item)
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ccbSafe is to_ccb_safe_string: "1.2.3.4-9618", "[2001-db8--5]-9618".
func ccbSafe(ap netip.AddrPort) string {
	ip := ap.Addr().String()
	if ap.Addr().Is6() {
		ip = "[" + ip + "]"
	}
	return strings.ReplaceAll(ip, ":", "-") + "-" + strconv.Itoa(int(ap.Port()))
}

// String returns the sinful string as C++ regenerates it: the host (in
// brackets if it holds ':'), ":port" if there is a port, and the
// parameters in byte order of their keys, each "key=value" or just "key"
// for an empty value, joined by '&' (regenerateSinfulString).
func (s Sinful) String() string {
	var b strings.Builder
	b.WriteByte('<')
	if strings.Contains(s.host, ":") && !strings.Contains(s.host, "[") {
		b.WriteString("[" + s.host + "]")
	} else {
		b.WriteString(s.host)
	}
	if s.port != "" {
		b.WriteString(":" + s.port)
	}
	if len(s.params) > 0 {
		b.WriteByte('?')
		for i, k := range s.ParamKeys() {
			if i > 0 {
				b.WriteByte('&')
			}
			urlEncode(&b, k)
			if v := s.params[k]; v != "" {
				b.WriteByte('=')
				urlEncode(&b, v)
			}
		}
	}
	b.WriteByte('>')
	return b.String()
}

// IsZero reports whether s is the zero Sinful.
func (s Sinful) IsZero() bool { return s.host == "" && s.port == "" && len(s.params) == 0 }

// Host returns the primary host (an IP literal or a name) without brackets.
func (s Sinful) Host() string { return s.host }

// Port returns the primary port; ok is false when the address has none or
// it is not a valid TCP port.
func (s Sinful) Port() (port int, ok bool) {
	n, err := strconv.Atoi(s.port)
	if err != nil || n < 0 || n > 65535 {
		return 0, false
	}
	return n, true
}

// Param returns a parameter's decoded value; ok is false if it is absent.
func (s Sinful) Param(key string) (value string, ok bool) {
	v, ok := s.params[key]
	return v, ok
}

// ParamKeys returns the parameter keys in byte order.
func (s Sinful) ParamKeys() []string {
	keys := make([]string, 0, len(s.params))
	for k := range s.params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Addrs returns the addresses of the "addrs" parameter, in order.
func (s Sinful) Addrs() []netip.AddrPort { return append([]netip.AddrPort(nil), s.addrs...) }

// SharedPortID returns the "sock" parameter: the shared-port id of the
// daemon behind condor_shared_port, or "".
func (s Sinful) SharedPortID() string { return s.params[ParamSock] }

// Alias returns the "alias" parameter: the host name used to verify the
// daemon's SSL certificate (pitfall 31), or "".
func (s Sinful) Alias() string { return s.params[ParamAlias] }

// CCBContact returns the "CCBID" parameter, or "".
func (s Sinful) CCBContact() string { return s.params[ParamCCBID] }

// PrivateAddr returns the "PrivAddr" parameter, or "".
func (s Sinful) PrivateAddr() string { return s.params[ParamPrivAddr] }

// PrivateNetworkName returns the "PrivNet" parameter, or "".
func (s Sinful) PrivateNetworkName() string { return s.params[ParamPrivNet] }

// NoUDP reports whether the "noUDP" parameter is present.
func (s Sinful) NoUDP() bool { _, ok := s.params[ParamNoUDP]; return ok }

func (s Sinful) clone() Sinful {
	c := s
	c.params = make(map[string]string, len(s.params))
	for k, v := range s.params {
		c.params[k] = v
	}
	c.addrs = append([]netip.AddrPort(nil), s.addrs...)
	return c
}

// WithParam returns s with parameter key set to value. Setting "addrs"
// parses the value; an invalid one is an error.
func (s Sinful) WithParam(key, value string) (Sinful, error) {
	if key == "" || strings.IndexByte(key, 0) >= 0 || strings.IndexByte(value, 0) >= 0 {
		return s, fmt.Errorf("%w: parameter %q=%q cannot be encoded", ErrSinful, key, value)
	}
	c := s.clone()
	if key == ParamAddrs {
		addrs, err := parseAddrs(value)
		if err != nil {
			return s, fmt.Errorf("%w: %v", ErrSinful, err)
		}
		c.addrs = addrs
	}
	c.params[key] = value
	return c, nil
}

// WithoutParam returns s without parameter key.
func (s Sinful) WithoutParam(key string) Sinful {
	c := s.clone()
	delete(c.params, key)
	if key == ParamAddrs {
		c.addrs = nil
	}
	return c
}

// WithAlias returns s with the "alias" parameter set ("" removes it).
func (s Sinful) WithAlias(alias string) Sinful {
	if alias == "" {
		return s.WithoutParam(ParamAlias)
	}
	c, err := s.WithParam(ParamAlias, alias)
	if err != nil {
		return s
	}
	return c
}

// WithSharedPortID returns s with the "sock" parameter set ("" removes it).
func (s Sinful) WithSharedPortID(id string) Sinful {
	if id == "" {
		return s.WithoutParam(ParamSock)
	}
	c, err := s.WithParam(ParamSock, id)
	if err != nil {
		return s
	}
	return c
}

// WithAddrs returns s with the "addrs" parameter rewritten from addrs
// (removed when addrs is empty), as addAddrToAddrs does.
func (s Sinful) WithAddrs(addrs []netip.AddrPort) Sinful {
	if len(addrs) == 0 {
		return s.WithoutParam(ParamAddrs)
	}
	parts := make([]string, len(addrs))
	for i, a := range addrs {
		parts[i] = ccbSafe(a)
	}
	c := s.clone()
	c.params[ParamAddrs] = strings.Join(parts, "+")
	c.addrs = append([]netip.AddrPort(nil), addrs...)
	return c
}

// WithHost returns s with another primary host.
func (s Sinful) WithHost(host string) Sinful {
	c := s.clone()
	c.host = strings.Trim(host, "[]")
	return c
}

// WithPort returns s with another primary port.
func (s Sinful) WithPort(port int) Sinful {
	c := s.clone()
	c.port = strconv.Itoa(port)
	return c
}

// ChooseAddr picks the address to connect to from the "addrs" parameter
// like Sock::chooseAddrFromAddrs: the most desirable entry (public >
// private > link-local > loopback > IPv6 link-local, ties in listed order)
// of an accepted protocol. ok is false when there is no such entry.
func (s Sinful) ChooseAddr(acceptIPv4, acceptIPv6 bool) (netip.AddrPort, bool) {
	cands := append([]netip.AddrPort(nil), s.addrs...)
	sort.SliceStable(cands, func(i, j int) bool {
		return desirability(cands[i].Addr()) > desirability(cands[j].Addr())
	})
	for _, c := range cands {
		if (c.Addr().Unmap().Is4() && acceptIPv4) || (!c.Addr().Unmap().Is4() && acceptIPv6) {
			return c, true
		}
	}
	return netip.AddrPort{}, false
}

func desirability(a netip.Addr) int {
	a = a.Unmap()
	switch {
	case a.Is6() && a.IsLinkLocalUnicast():
		return 1
	case a.IsLoopback():
		return 2
	case a.IsLinkLocalUnicast():
		return 3
	case a.IsPrivate():
		return 4
	}
	return 5
}

// DialAddress returns the "host:port" to give net.Dial: the address chosen
// from "addrs" when present (ChooseAddr), else the primary host and port.
func (s Sinful) DialAddress(acceptIPv4, acceptIPv6 bool) (string, error) {
	if len(s.addrs) > 0 {
		if ap, ok := s.ChooseAddr(acceptIPv4, acceptIPv6); ok {
			return ap.String(), nil
		}
		return "", fmt.Errorf("no address of an enabled protocol in %s", s)
	}
	port, ok := s.Port()
	if !ok || s.host == "" {
		return "", fmt.Errorf("%s has no host and port to connect to", s)
	}
	if strings.Contains(s.host, ":") {
		return "[" + s.host + "]:" + strconv.Itoa(port), nil
	}
	return s.host + ":" + strconv.Itoa(port), nil
}
