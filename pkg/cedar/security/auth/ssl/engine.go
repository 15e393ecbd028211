package ssl

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"
)

// HTCondor runs OpenSSL over a pair of memory BIOs and moves their bytes in
// CEDAR data messages (cedar.md §5.5). engine does the same with
// crypto/tls: the tls.Conn runs in its own goroutine on a memConn, an
// in-memory net.Conn whose writes never block and whose reads block until
// the driver feeds bytes from the peer. The driver observes the TLS state
// exactly as HTCondor observes SSL_connect/SSL_accept/SSL_read/SSL_write
// on memory BIOs: an operation either completed, failed, or wants input
// (the goroutine is parked in Read with nothing buffered).

// memConn is the memory-BIO pair under the TLS engine.
type memConn struct {
	mu     sync.Mutex
	cond   sync.Cond
	in     []byte // from the peer, not yet read by TLS
	out    []byte // written by TLS, not yet sent to the peer
	closed bool
	parked bool // the TLS goroutine waits in Read for input

	// State of the current engine operation.
	busy  bool
	opN   int
	opErr error
}

var errEngineClosed = errors.New("SSL engine closed")

func newMemConn() *memConn {
	c := &memConn{}
	c.cond.L = &c.mu
	return c
}

// Read hands buffered peer bytes to TLS, parking until some arrive.
func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.in) == 0 {
		if c.closed {
			return 0, errEngineClosed
		}
		c.parked = true
		c.cond.Broadcast()
		c.cond.Wait()
	}
	c.parked = false
	n := copy(p, c.in)
	c.in = c.in[n:]
	if len(c.in) == 0 {
		c.in = nil
	}
	return n, nil
}

// Write buffers TLS output for the next data message; it never blocks.
func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errEngineClosed
	}
	c.out = append(c.out, p...)
	return len(p), nil
}

// Close makes blocked and later reads and writes fail.
func (c *memConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	return nil
}

type memAddr struct{}

func (memAddr) Network() string { return "memory" }
func (memAddr) String() string  { return "cedar-ssl" }

// LocalAddr and RemoteAddr are placeholders; TLS does not use them.
func (c *memConn) LocalAddr() net.Addr  { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr { return memAddr{} }

// Deadlines are meaningless here: the stream below the driver has them.
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// engine drives one tls.Conn over a memConn, one operation at a time.
type engine struct {
	mc   *memConn
	tc   *tls.Conn
	done chan struct{} // closed when the current operation's goroutine ends
}

func newEngine(mc *memConn, tc *tls.Conn) *engine {
	return &engine{mc: mc, tc: tc}
}

// start launches op (Handshake, Read or Write on the tls.Conn) in its own
// goroutine. The previous operation must have completed.
func (e *engine) start(op func(tc *tls.Conn) (int, error)) {
	e.mc.mu.Lock()
	e.mc.busy, e.mc.opN, e.mc.opErr = true, 0, nil
	e.mc.mu.Unlock()
	done := make(chan struct{})
	e.done = done
	go func() {
		defer close(done)
		n, err := op(e.tc)
		e.mc.mu.Lock()
		e.mc.busy, e.mc.opN, e.mc.opErr = false, n, err
		e.mc.cond.Broadcast()
		e.mc.mu.Unlock()
	}()
}

// wait blocks until the current operation completed (finished = true, with
// its result) or waits for input with every fed byte consumed (finished =
// false): the equivalent of one SSL_* call on memory BIOs returning
// success, an error, or SSL_ERROR_WANT_READ.
func (e *engine) wait() (finished bool, n int, err error) {
	c := e.mc
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.busy && !(c.parked && len(c.in) == 0) {
		c.cond.Wait()
	}
	if c.busy {
		return false, 0, nil
	}
	return true, c.opN, c.opErr
}

// status maps wait's result to this side's status (the switch on
// SSL_get_error in condor_auth_ssl.cpp:479-520): wants input → RECEIVING,
// completed → HOLDING, anything else → QUITTING.
func (e *engine) status() (int32, error) {
	finished, _, err := e.wait()
	switch {
	case !finished:
		return StatusReceiving, nil
	case err != nil:
		return StatusQuitting, err
	default:
		return StatusHolding, nil
	}
}

// feed appends the TLS bytes of a received data message (BIO_write).
func (e *engine) feed(p []byte) {
	if len(p) == 0 {
		return
	}
	c := e.mc
	c.mu.Lock()
	c.in = append(c.in, p...)
	c.cond.Broadcast()
	c.mu.Unlock()
}

// drain takes up to MaxDataSize pending output bytes (BIO_read into the
// 1 MiB buffer); the rest waits for the next send turn.
func (e *engine) drain() []byte {
	c := e.mc
	c.mu.Lock()
	defer c.mu.Unlock()
	n := min(len(c.out), MaxDataSize)
	p := c.out[:n:n]
	c.out = c.out[n:]
	if len(c.out) == 0 {
		c.out = nil
	}
	return p
}

// close stops the engine and waits for its goroutine, so no goroutine
// outlives an authentication attempt. The operation's goroutine returns
// promptly: its reads fail once the memConn is closed and writes never
// block.
func (e *engine) close() {
	_ = e.mc.Close()
	if e.done != nil {
		<-e.done
	}
}
