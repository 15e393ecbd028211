package authz

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/condor-auth/condor-auth/pkg/netaddr"
)

// maxCachedPeers bounds the reverse-DNS cache; when it is full, expired
// entries are dropped, and if none are, the whole cache is.
const maxCachedPeers = 4096

type nameEntry struct {
	names   []string
	expires time.Time
}

type nameCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[netip.Addr]nameEntry
	now func() time.Time
}

func newNameCache(ttl time.Duration) *nameCache {
	return &nameCache{ttl: ttl, m: map[netip.Addr]nameEntry{}, now: time.Now}
}

// hostNames returns the peer's host names as HTCondor's
// get_hostname_with_alias does: the reverse-DNS names of ip that resolve
// back to ip (verify_name_has_ip), without a trailing dot. Failures give no
// names, which only means host-name entries cannot match.
func (p *Policy) hostNames(ip netip.Addr) []string {
	c := p.names
	c.mu.Lock()
	if e, ok := c.m[ip]; ok && c.now().Before(e.expires) {
		c.mu.Unlock()
		return e.names
	}
	c.mu.Unlock()

	names := p.lookupNames(ip)

	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedPeers {
		now := c.now()
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCachedPeers {
			clear(c.m)
		}
	}
	c.m[ip] = nameEntry{names: names, expires: c.now().Add(c.ttl)}
	return names
}

func (p *Policy) lookupNames(ip netip.Addr) []string {
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.LookupTimeout)
	defer cancel()
	ptr, err := p.opts.Resolver.LookupAddr(ctx, ip.String())
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range ptr {
		n = strings.TrimSuffix(n, ".")
		if n == "" || containsFold(out, n) {
			continue
		}
		addrs, err := p.opts.Resolver.LookupHost(ctx, n)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if b, ok := netaddr.ParseIP(a); ok && b.Unmap() == ip {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if asciiEqualFold(x, s) {
			return true
		}
	}
	return false
}
