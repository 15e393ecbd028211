package server

import (
	"net"
	"testing"
)

// TestHandedConnRequeue: a connection that a retired generation closes
// without reading or writing goes back to the dispatcher (requeue) and is
// not closed; one it used, or one the current generation closes, is
// closed. Before, TestReloadUnderLoad lost such connections in about one
// run of twelve ("Read failure during security negotiation").
func TestHandedConnRequeue(t *testing.T) {
	for _, tc := range []struct {
		name          string
		retire, use   bool
		accept        bool // what requeue answers
		wantRequeued  bool
		wantConnClose bool
	}{
		{"retired, unused", true, false, true, true, false},
		{"retired, unused, server shutting down", true, false, false, true, true},
		{"retired, used", true, true, true, false, true},
		{"current, unused", false, false, true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var requeued []net.Conn
			l := &handoffListener{conns: make(chan net.Conn, 1), done: make(chan struct{}),
				requeue: func(c net.Conn) bool { requeued = append(requeued, c); return tc.accept }}
			a, b := net.Pipe()
			defer b.Close()
			l.conns <- a
			c, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			if tc.use {
				go func() { _, _ = b.Write([]byte{1}) }()
				if _, err := c.Read(make([]byte, 1)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.retire {
				_ = l.Close()
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			_ = c.Close() // a second Close does nothing
			if got := len(requeued) == 1 && requeued[0] == a; got != tc.wantRequeued || len(requeued) > 1 {
				t.Fatalf("requeued %v, want requeued=%v", requeued, tc.wantRequeued)
			}
			// The pipe's other end sees the close only if it was closed.
			done := make(chan error, 1)
			go func() { _, err := b.Write([]byte{2}); done <- err }()
			if !tc.wantConnClose {
				// Still open: the write blocks until a reader comes.
				go func() { _, _ = a.Read(make([]byte, 1)) }()
			}
			if err := <-done; (err != nil) != tc.wantConnClose {
				t.Fatalf("write to the peer: %v, want closed=%v", err, tc.wantConnClose)
			}
			if !tc.wantConnClose {
				_ = a.Close()
			}
		})
	}
	// A retired listener accepts nothing more.
	l := &handoffListener{conns: make(chan net.Conn), done: make(chan struct{})}
	_ = l.Close()
	if _, err := l.Accept(); err != net.ErrClosed {
		t.Fatalf("Accept after Close: %v", err)
	}
}
