// Package testutil holds small helpers shared by the tests of several
// packages that have nothing to do with the wire transcripts (those are in
// internal/transcript). Only tests may import it (internal/transcript's
// TestOnlyTestsImport checks).
package testutil

import (
	"net"
	"sync"
	"testing"
)

// SilentPeer listens on a loopback port, accepts every connection and
// never reads or writes: the peer of a handshake that hangs. It returns
// the listening address ("127.0.0.1:port"). The listener and the accepted
// connections are closed when the test ends.
func SilentPeer(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return l.Addr().String()
}
