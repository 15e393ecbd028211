package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// listenAddress returns the host:port to listen on: override when given,
// else the first entry of COLLECTOR_HOST with COLLECTOR_PORT (default
// 9618) when it names no port (cedar.md §6.1). Port 0 asks for an
// ephemeral port; tools then find it in COLLECTOR_ADDRESS_FILE.
func listenAddress(cfg *config.Config, override string) (string, error) {
	if override != "" {
		return override, nil
	}
	hosts := splitList(cfg.Lookup("COLLECTOR_HOST"))
	if len(hosts) == 0 {
		return "", fmt.Errorf("COLLECTOR_HOST is not set and no listen address was given: nothing says where to listen")
	}
	sin, err := locate.ParseSinful(hosts[0])
	if err != nil {
		return "", fmt.Errorf("COLLECTOR_HOST = %q: %w", hosts[0], err)
	}
	port, ok := sin.Port()
	if !ok {
		p, err := cfg.Int("COLLECTOR_PORT", locate.DefaultCollectorPort)
		if err != nil {
			return "", err
		}
		port = int(p)
	}
	return net.JoinHostPort(sin.Host(), strconv.Itoa(port)), nil
}

// advertisedSinful is the address the daemon publishes for all its roles,
// in the form real daemons use, e.g.
// <127.0.0.1:9618?addrs=127.0.0.1-9618&alias=vm> (cedar.md §6.6-§6.7). An
// unspecified listen address is replaced by the host's first usable
// address (IPv4 preferred, loopback last).
func advertisedSinful(l net.Addr, alias string) (locate.Sinful, error) {
	ap, err := netip.ParseAddrPort(l.String())
	if err != nil {
		return locate.Sinful{}, fmt.Errorf("listener address %q: %w", l.String(), err)
	}
	ip := ap.Addr().Unmap()
	if ip.IsUnspecified() {
		ip = hostAddress(ip.Is6())
	}
	ap = netip.AddrPortFrom(ip, ap.Port())
	s := locate.NewSinful(ip.String(), int(ap.Port())).WithAddrs([]netip.AddrPort{ap})
	if alias != "" {
		s = s.WithAlias(alias)
	}
	return s, nil
}

// hostAddress picks the address to advertise for a wildcard listener:
// the first global unicast address of the host (IPv4 first unless only
// v6 is wanted), else loopback.
func hostAddress(v6 bool) netip.Addr {
	addrs, _ := net.InterfaceAddrs()
	var best netip.Addr
	for _, a := range addrs {
		pfx, err := netip.ParsePrefix(a.String())
		if err != nil {
			continue
		}
		ip := pfx.Addr().Unmap()
		if !ip.IsGlobalUnicast() && !ip.IsPrivate() {
			continue
		}
		if ip.Is4() != !v6 {
			if !best.IsValid() {
				best = ip
			}
			continue
		}
		return ip
	}
	if best.IsValid() {
		return best
	}
	if v6 {
		return netip.IPv6Loopback()
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// listen opens the TCP listener. A host name is resolved first so that
// the error names it.
func listen(ctx context.Context, addr string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: 3 * time.Minute}
	l, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("cannot listen on %s: the address is in use (is another collector or condor-auth serve running?): %w", addr, err)
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	return l, nil
}
