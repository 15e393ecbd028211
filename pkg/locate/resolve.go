package locate

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strings"
)

// Resolver resolves host names for the locator; NetResolver is the
// system implementation, tests inject a table.
type Resolver interface {
	// Resolve returns the canonical name of host ("" if unknown) and its
	// addresses. An error or no address means the host is unknown.
	Resolve(ctx context.Context, host string) (canonical string, addrs []netip.Addr, err error)
}

// NetResolver resolves with a *net.Resolver (nil: net.DefaultResolver).
type NetResolver struct{ R *net.Resolver }

// Resolve implements Resolver: the addresses from LookupNetIP and the
// canonical name from LookupCNAME (like getaddrinfo's AI_CANONNAME).
func (n NetResolver) Resolve(ctx context.Context, host string) (string, []netip.Addr, error) {
	r := n.R
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return "", nil, err
	}
	canon, err := r.LookupCNAME(ctx, host)
	if err != nil {
		canon = ""
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	return strings.TrimSuffix(canon, "."), addrs, nil
}

// fqdnFromHostname is get_fqdn_from_hostname: a name with a '.' is taken
// as fully qualified; otherwise the resolver's canonical name if it has a
// '.', else name.DEFAULT_DOMAIN_NAME, else "" (unknown).
func (l *Locator) fqdnFromHostname(ctx context.Context, name string) string {
	if strings.Contains(name, ".") {
		return name
	}
	if canon, _, err := l.resolver().Resolve(ctx, name); err == nil && strings.Contains(canon, ".") {
		return canon
	}
	if d := l.knob("DEFAULT_DOMAIN_NAME"); d != "" {
		return strings.TrimSuffix(name, ".") + "." + d
	}
	return ""
}

// fqdnAndIP is get_fqdn_and_ip_from_hostname: the host must resolve to an
// address; its full name is the canonical name, else the host itself if it
// has a '.', else host.DEFAULT_DOMAIN_NAME. IPv4 addresses are preferred.
func (l *Locator) fqdnAndIP(ctx context.Context, host string) (fqdn string, ip netip.Addr, ok bool) {
	canon, addrs, err := l.resolver().Resolve(ctx, host)
	if err != nil || len(addrs) == 0 {
		return "", netip.Addr{}, false
	}
	ip = addrs[0]
	for _, a := range addrs {
		if a.Unmap().Is4() {
			ip = a.Unmap()
			break
		}
	}
	fqdn = canon
	if fqdn == "" {
		if strings.Contains(host, ".") {
			fqdn = host
		} else if d := l.knob("DEFAULT_DOMAIN_NAME"); d != "" {
			fqdn = host + "." + d
		}
	}
	return fqdn, ip, fqdn != ""
}

// localFQDN is get_local_fqdn: Locator.LocalFQDN, else FULL_HOSTNAME,
// else the kernel's host name.
func (l *Locator) localFQDN() string {
	if l.LocalFQDN != "" {
		return l.LocalFQDN
	}
	if v := l.knob("FULL_HOSTNAME"); v != "" {
		return v
	}
	h, _ := os.Hostname()
	return h
}

// localName is Daemon::localName: <type>_NAME made valid
// (build_valid_daemon_name), else the local full host name.
func (l *Locator) localName(ctx context.Context, t DaemonType) string {
	v := l.knob(strings.ToUpper(t.String()) + "_NAME")
	if v == "" {
		return l.localFQDN()
	}
	if strings.Contains(v, "@") {
		return v
	}
	if f := l.fqdnFromHostname(ctx, v); f != "" && strings.EqualFold(f, l.localFQDN()) {
		return l.localFQDN()
	}
	return v + "@" + l.localFQDN()
}

// hostPart is get_host_part: what follows the last '@', or the name.
func hostPart(name string) string {
	if i := strings.LastIndexByte(name, '@'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// portFromAddr is getPortFromAddr: the decimal number after the first ':'
// (after an optional '<' and "[v6]"), or -1.
func portFromAddr(addr string) int {
	a := strings.TrimPrefix(addr, "<")
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return -1
		}
		a = a[end+1:]
	}
	colon := strings.IndexByte(a, ':')
	if colon < 0 || colon+1 >= len(a) {
		return -1
	}
	rest := a[colon+1:]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n == 0 || n > 9 {
		return -1 // not a number, or too big for an int
	}
	port := 0
	for i := 0; i < n; i++ {
		port = port*10 + int(rest[i]-'0')
	}
	return port
}

// hostFromAddr is getHostFromAddr: the host of "[v6]…", "<host:port>",
// "name@host:port" or "host:port".
func hostFromAddr(addr string) string {
	c := addr
	if (strings.HasPrefix(c, "[") || strings.HasPrefix(c, "<[")) && strings.Contains(c, "]") {
		c = c[:strings.IndexByte(c, ']')]
	} else if i := strings.IndexByte(c, ':'); i >= 0 {
		c = c[:i]
	}
	if i := strings.LastIndexByte(c, '>'); i >= 0 {
		c = c[:i]
	}
	if i := strings.IndexByte(c, '@'); i >= 0 {
		return c[i+1:]
	}
	c = strings.TrimPrefix(c, "<")
	return strings.TrimPrefix(c, "[")
}

// splitList splits a configuration list on commas and white space.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	})
}
