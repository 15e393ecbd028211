package testutil_test

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/internal/testutil"
)

func TestSilentPeer(t *testing.T) {
	var addr string
	t.Run("peer", func(t *testing.T) {
		addr = testutil.SilentPeer(t)
		for range 2 {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("read %d, %v; want a timeout from a silent peer", n, err)
			}
		}
	})
	// After the test the listener is gone.
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("address %s still accepts connections after the test", addr)
	}
}
