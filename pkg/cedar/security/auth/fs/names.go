package fs

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// nameChars are the characters glibc's mkstemp puts in place of the X.
const nameChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomChars returns n characters of nameChars drawn uniformly from r
// (bytes ≥ 248 are rejected so that every character is equally likely).
func randomChars(r io.Reader, n int) (string, error) {
	out := make([]byte, 0, n)
	var buf [16]byte
	for tries := 0; len(out) < n; tries++ {
		if tries > 64 {
			return "", errors.New("random source yields no usable bytes")
		}
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return "", err
		}
		for _, b := range buf {
			if b < 248 && len(out) < n {
				out = append(out, nameChars[b%62])
			}
		}
	}
	return string(out), nil
}

// addrPort returns the IP and port of a TCP endpoint, the IP unmapped
// from IPv4-in-IPv6 form.
func addrPort(a net.Addr) (netip.AddrPort, bool) {
	if a == nil {
		return netip.AddrPort{}, false
	}
	var ap netip.AddrPort
	if t, ok := a.(*net.TCPAddr); ok {
		ap = t.AddrPort()
	} else {
		var err error
		if ap, err = netip.ParseAddrPort(a.String()); err != nil {
			return netip.AddrPort{}, false
		}
	}
	if !ap.Addr().IsValid() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port()), true
}

// ipText is the IP as it appears in directory names (my_ip_str()).
func ipText(ap netip.AddrPort) string { return ap.Addr().String() }

// namePrefix is the part of a channel-bound name after the directory:
// "FS_<ip>_<port>_" (cedar.md §5.6 step 1).
func namePrefix(ap netip.AddrPort) string {
	return "FS_" + ipText(ap) + "_" + strconv.Itoa(int(ap.Port())) + "_"
}

// bindingExt is the client's channel-binding extension: its own view of
// the server's address, "ip:port" or "[ipv6]:port", plus "?sock=<id>"
// behind shared port (cedar.md §5.6 step 2).
func bindingExt(server netip.AddrPort, sharedPortID string) string {
	ext := server.String()
	if sharedPortID != "" {
		ext += "?sock=" + sharedPortID
	}
	return ext
}

// checkBindingExt verifies a client's extension against this connection:
// no '/', "ip:port[?sock=id]", the address equal to the server's own
// address and the shared-port id, when the client sent one, equal to the
// server's. Clients before the "?sock=" addition send none; that is
// accepted.
func checkBindingExt(ext string, local netip.AddrPort, sharedPortID string) error {
	if strings.ContainsAny(ext, "/\x00") {
		return fmt.Errorf("extension %q contains a '/'", ext)
	}
	hostport, query, hasQuery := strings.Cut(ext, "?")
	ap, err := netip.ParseAddrPort(hostport)
	if err != nil {
		return fmt.Errorf("extension %q is not ip:port[?sock=id]", ext)
	}
	if hasQuery {
		id, ok := strings.CutPrefix(query, "sock=")
		if !ok || id == "" || strings.ContainsAny(id, "?&=") {
			return fmt.Errorf("extension %q is not ip:port[?sock=id]", ext)
		}
		if id != sharedPortID {
			if sharedPortID == "" {
				return fmt.Errorf("the client bound the directory to shared-port id %q, but this server is not behind shared port", id)
			}
			return fmt.Errorf("the client bound the directory to shared-port id %q, this server's is %q", id, sharedPortID)
		}
	}
	got := netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
	if got != local {
		return fmt.Errorf("the client bound the directory to %s, but this connection's server address is %s "+
			"(a relayed connection, or NAT/TCP_FORWARDING_HOST)", got, local)
	}
	return nil
}
