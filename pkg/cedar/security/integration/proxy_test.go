package integration

import (
	"io"
	"net"
	"sync"
	"testing"
)

// proxy relays one TCP connection to target and interferes with it: each
// direction forwards at most a number of bytes (-1: all). At the limit it
// either cuts the connection (both sides closed: a truncated stream) or,
// when stall is set, keeps both sides open and forwards nothing more (a
// stalled peer), until the test ends.
type proxy struct {
	addr string
	l    net.Listener

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

// startProxy relays the first connection made to the returned proxy's
// addr. c2s and s2c are the byte limits of the client→server and
// server→client directions.
func startProxy(t testing.TB, target string, c2s, s2c int64, stall bool) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: l.Addr().String(), l: l}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		cc, err := l.Accept()
		if err != nil {
			return
		}
		sc, err := net.Dial("tcp", target)
		if err != nil {
			_ = cc.Close()
			return
		}
		if !p.track(cc, sc) {
			return
		}
		p.wg.Add(2)
		go p.pipe(sc, cc, c2s, stall)
		go p.pipe(cc, sc, s2c, stall)
	}()
	t.Cleanup(p.close)
	return p
}

// track records the connections unless the proxy is already closed.
func (p *proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l == nil {
		for _, c := range cs {
			_ = c.Close()
		}
		return false
	}
	p.conns = append(p.conns, cs...)
	return true
}

func (p *proxy) pipe(dst, src net.Conn, limit int64, stall bool) {
	defer p.wg.Done()
	if limit < 0 {
		_, _ = io.Copy(dst, src)
	} else {
		_, _ = io.CopyN(dst, src, limit)
	}
	if stall {
		// Swallow whatever else comes, forward nothing, close nothing.
		_, _ = io.Copy(io.Discard, src)
		return
	}
	p.closeConns()
}

func (p *proxy) closeConns() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
}

func (p *proxy) close() {
	p.mu.Lock()
	l := p.l
	p.l = nil
	p.mu.Unlock()
	if l != nil {
		_ = l.Close()
	}
	p.closeConns()
	p.wg.Wait()
}

// countingConn counts the bytes read and written through a connection.
type countingConn struct {
	net.Conn
	mu            sync.Mutex
	read, written int64
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.read += int64(n)
	c.mu.Unlock()
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.mu.Lock()
	c.written += int64(n)
	c.mu.Unlock()
	return n, err
}

func (c *countingConn) counts() (read, written int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.read, c.written
}
