package integration

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// header is a CEDAR packet header (cedar.md §1.1).
func header(end byte, n uint32) []byte {
	b := []byte{end, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], n)
	return b
}

// rawSend writes b to the daemon, half-closes and drains the reply.
func rawSend(t *testing.T, addr string, b []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, _ = c.Write(b)
	_ = c.(*net.TCPConn).CloseWrite()
	// The daemon may close while we still write: a reset is fine.
	if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("draining: %v", err)
	}
}

// TestBadPacketsFromClient: oversize and truncated packets and messages at
// the start of a handshake end the connection with an error naming the
// problem; the daemon keeps serving real handshakes.
func TestBadPacketsFromClient(t *testing.T) {
	p := newPool(t)
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED", func(c *daemon.Config) { c.Stream.MaxMessageSize = 64 << 10 })
	// A DC_AUTHENTICATE message whose policy ad is larger than the
	// daemon's 64 KiB message limit, in 16 KiB packets.
	var big []byte
	payload := make([]byte, 16<<10)
	for i := range 5 {
		end := byte(0)
		if i == 4 {
			end = 1
		}
		big = append(append(big, header(end, uint32(len(payload)))...), payload...)
	}
	cases := []struct {
		name  string
		bytes []byte
		cause error
		text  string
	}{
		{"packet over 1 MiB", header(1, 2<<20), cedar.ErrMalformedPacket, ""},
		{"zero-length packet", header(1, 0), cedar.ErrMalformedPacket, ""},
		{"bad end flag", header(0x42, 8), cedar.ErrMalformedPacket, ""},
		{"message over the limit", big, cedar.ErrMessageTooLarge, ""},
		{"truncated header", []byte{1, 0, 0}, nil, "reading the command int"},
		{"truncated payload", append(header(1, 100), 1, 2, 3), nil, "reading the command int"},
		// int 60010 and an ad announcing 5 attributes, then the end.
		{"truncated policy ad", append(header(1, 16), 0, 0, 0, 0, 0, 0, 0xea, 0x6a, 0, 0, 0, 0, 0, 0, 0, 5), cedar.ErrShortMessage, "reading the DC_AUTHENTICATE ad"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.log())
			rawSend(t, srv.addr, tc.bytes)
			e := srv.waitLog(t, before+1)[before]
			if e.Result != daemon.ResultError || e.Err == nil {
				t.Fatalf("log %v, want ERROR", e)
			}
			if tc.cause != nil && !errors.Is(e.Err, tc.cause) {
				t.Errorf("error %v, want %v", e.Err, tc.cause)
			}
			if tc.text != "" && !strings.Contains(e.Err.Error(), tc.text) {
				t.Errorf("error %v lacks %q", e.Err, tc.text)
			}
		})
	}
	o := srv.run(t, p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{}), cmdWrite)
	if o.err != nil || o.reply != tokenUser+"|IDTOKENS|true" {
		t.Fatalf("after the bad packets: %q, %v", o.reply, o.err)
	}
}

// fakeServer accepts one connection and hands it to fn.
func fakeServer(t *testing.T, fn func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		fn(c)
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return l.Addr().String()
}

// readMessage1 consumes the client's first message (all its packets).
func readMessage1(c net.Conn) error {
	for {
		h := make([]byte, 5)
		if _, err := io.ReadFull(c, h); err != nil {
			return err
		}
		if _, err := io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint32(h[1:]))); err != nil {
			return err
		}
		if h[0] != 0 {
			return nil
		}
	}
}

// TestBadPacketsFromServer: a hostile or broken server answering message 1
// with an oversize, malformed or truncated reply gets a clean
// SECMAN:2007 error on the client, with the framing problem as its cause.
func TestBadPacketsFromServer(t *testing.T) {
	p := newPool(t)
	c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{})
	const text = "SECMAN:2007:Read failure during security negotiation."
	cases := []struct {
		name  string
		reply []byte
		cfg   *cedar.Config
		cause error
	}{
		{"packet over 1 MiB", header(1, 2<<20), nil, cedar.ErrMalformedPacket},
		{"message over the client's limit", append(append(header(0, 40<<10), make([]byte, 40<<10)...), header(1, 40<<10)...),
			&cedar.Config{MaxMessageSize: 64 << 10}, cedar.ErrMessageTooLarge},
		{"truncated packet", append(header(1, 100), 1, 2, 3), nil, io.ErrUnexpectedEOF},
		{"not an ad", append(header(1, 8), 0, 0, 0, 0, 0, 0, 0, 1), nil, cedar.ErrShortMessage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := fakeServer(t, func(conn net.Conn) {
				if readMessage1(conn) == nil {
					_, _ = conn.Write(tc.reply)
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := c.Dial(ctx, "tcp", addr, security.Request{Command: cmdWrite}, tc.cfg)
			if errText(err) != text || !errors.Is(err, tc.cause) || !errors.Is(err, security.ErrProtocol) {
				t.Errorf("client error %q (%v), want %q caused by %v", errText(err), causeOf(err), text, tc.cause)
			}
		})
	}
}

// causeOf returns the Go cause of a condorerr chain, for messages.
func causeOf(err error) error {
	if ce, ok := condorerr.As(err); ok {
		return ce.Unwrap()
	}
	return err
}

// handshakeBytes runs one successful command for c through a counting
// connection and returns how many bytes each direction carried until the
// handshake was complete on the client (the handler's answer excluded).
func handshakeBytes(t *testing.T, srv *server, c *security.Client) (c2s, s2c int64) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	cc := &countingConn{Conn: conn}
	defer cc.Close()
	s, err := cedar.NewStream(cc, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := len(srv.log())
	r, err := c.StartCommand(context.Background(), s, security.Request{Command: cmdWrite, Sinful: "<" + srv.addr + ">"})
	if err != nil {
		t.Fatal(err)
	}
	s2c, c2s = cc.counts()
	if _, _, err := r.Stream.GetString(); err != nil {
		t.Fatal(err)
	}
	srv.waitLog(t, before+1)
	return c2s, s2c
}

// TestTruncatedHandshakes cuts a real handshake (TOKEN and SSL, the
// methods with the most messages) at many byte offsets in each direction:
// the client must fail promptly with a condorerr chain (never hang, never
// panic) and the daemon must log the connection and keep serving.
// FS cannot go through a relay at all (channel binding, see
// TestFSChannelBindingDefeatsRelay).
func TestTruncatedHandshakes(t *testing.T) {
	p := newPool(t)
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED", nil)
	for _, method := range []string{"IDTOKENS", "SSL"} {
		c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = "+method, clientOpts{})
		c2s, s2c := handshakeBytes(t, srv, c)
		t.Logf("%s: %d bytes client→server, %d bytes server→client", method, c2s, s2c)
		for _, dir := range []string{"c2s", "s2c"} {
			total := c2s
			if dir == "s2c" {
				total = s2c
			}
			step := max(total/60, 1)
			for cut := int64(0); cut < total; cut += step {
				limC, limS := int64(-1), int64(-1)
				if dir == "c2s" {
					limC = cut
				} else {
					limS = cut
				}
				name := fmt.Sprintf("%s/%s/%d", method, dir, cut)
				before := len(srv.log())
				px := startProxy(t, srv.addr, limC, limS, false)
				start := time.Now()
				o := runVia(t, c, px.addr, cmdWrite)
				if o.err == nil {
					t.Errorf("%s: the client succeeded on a cut stream (%q)", name, o.reply)
					continue
				}
				if o.handshake {
					if _, ok := condorerr.As(o.err); !ok {
						t.Errorf("%s: handshake error %v is not a condorerr chain", name, o.err)
					}
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("%s: the client took %v to notice", name, d)
				}
				e := srv.waitLog(t, before+1)[before]
				if e.Duration > 5*time.Second {
					t.Errorf("%s: the server took %v: %v", name, e.Duration, e)
				}
				px.close()
			}
		}
	}
	o := srv.run(t, p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{}), cmdWrite)
	if o.err != nil {
		t.Fatalf("after the cut connections: %v", o.err)
	}
}

// viaOutcome is a command run through a proxy.
type viaOutcome struct {
	reply     string
	err       error
	handshake bool // the error came from the handshake (Dial)
}

// runVia runs cmd through addr and reads the handler's answer.
func runVia(t *testing.T, c *security.Client, addr string, cmd int) viaOutcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.Dial(ctx, "tcp", addr, security.Request{Command: cmd}, nil)
	if err != nil {
		return viaOutcome{err: err, handshake: true}
	}
	defer r.Stream.Close()
	_ = r.Stream.SetDeadline(time.Now().Add(5 * time.Second))
	v, _, err := r.Stream.GetString()
	if err == nil {
		err = r.Stream.EndOfMessage()
	}
	return viaOutcome{reply: v, err: err}
}

// TestFSChannelBindingDefeatsRelay: FS through a relay fails, because the
// client binds its directory to the address it connected to, which is
// not the server's own (cedar.md §5.6, 25.12.2 channel binding); the
// server's notes say so.
func TestFSChannelBindingDefeatsRelay(t *testing.T) {
	p := newPool(t)
	srv, n := p.explained(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED")
	px := startProxy(t, srv.addr, -1, -1, false)
	o := runVia(t, p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = FS", clientOpts{}), px.addr, cmdWrite)
	// HTCondor's client adds no entry of its own when the server refuses
	// the directory; condor-auth's FS client names it (FS:1010).
	want := regexp.MustCompile(`^` + regexp.QuoteMeta(textNoMethod+"|AUTHENTICATE:1004:Failed to authenticate using FS|FS:1010:Server could not verify directory ("+p.fsDir) +
		`/FS_127\.0\.0\.1_\d+_XXX\w{6}_127\.0\.0\.1:\d+\)$`)
	if !want.MatchString(errText(o.err)) {
		t.Errorf("client error %q, want %s", errText(o.err), want)
	}
	if n.find("FS authentication failed", "Channel binding refused", "a relayed connection") == "" {
		t.Errorf("no server note on the refused channel binding:\n%s", n)
	}
	entries, err := os.ReadDir(p.fsDir)
	if err != nil || len(entries) != 0 {
		t.Errorf("FS directory not cleaned up: %v %v", entries, err)
	}
}

// TestStalledPeers: a peer that stops sending in the middle of a
// handshake is cut off by the deadline on each side: the daemon's
// handshake timeout and the client's Timeout. Nothing waits longer.
func TestStalledPeers(t *testing.T) {
	const deadline = 300 * time.Millisecond
	p := newPool(t)
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED", func(c *daemon.Config) { c.HandshakeTimeout = deadline })
	c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{})
	c.Timeout = deadline
	c2s, s2c := handshakeBytes(t, srv, c)

	// A client that connects and says nothing.
	before := len(srv.log())
	silent, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	if e := srv.waitLog(t, before+1)[before]; e.Result != daemon.ResultError || !isTimeout(e.Err) || e.Duration < deadline || e.Duration > 10*deadline {
		t.Errorf("silent client logged %v, want an ERROR by timeout after ~%v", e, deadline)
	}

	// Stalls at several points of each direction: the proxy stops
	// forwarding but keeps both connections open.
	for _, st := range []struct {
		name     string
		c2s, s2c int64
	}{
		{"client stalls in message 1", 20, -1},
		{"client stalls in the TOKEN exchange", c2s / 2, -1},
		{"server stalls before its response", -1, 0},
		{"server stalls in the TOKEN exchange", -1, s2c / 2},
		{"server stalls in the post-auth ad", -1, s2c - 1},
	} {
		t.Run(st.name, func(t *testing.T) {
			before := len(srv.log())
			px := startProxy(t, srv.addr, st.c2s, st.s2c, true)
			start := time.Now()
			o := runVia(t, c, px.addr, cmdWrite)
			took := time.Since(start)
			if o.err == nil {
				t.Fatalf("the client succeeded through a stalled relay: %q", o.reply)
			}
			if !o.handshake || !isTimeout(o.err) {
				t.Errorf("client error %v (cause %v), want a handshake timeout", o.err, causeOf(o.err))
			}
			if took < deadline || took > 10*deadline {
				t.Errorf("the client gave up after %v, want ~%v", took, deadline)
			}
			e := srv.waitLog(t, before+1)[before]
			if e.Result == daemon.ResultAuthorized && st.s2c < 0 {
				t.Errorf("server log %v for a client that stalled", e)
			}
			if e.Duration > 10*deadline {
				t.Errorf("the server held the connection %v", e.Duration)
			}
		})
	}
}

// TestStallTimeouts: the narrower deadlines of a handshake. The server's
// SEC_<PERM>_AUTHENTICATION_TIMEOUT bounds the method exchange although
// the whole handshake may take longer; the client's context ends a
// handshake early, and the error says it was interrupted.
func TestStallTimeouts(t *testing.T) {
	p := newPool(t)
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED\nSEC_DEFAULT_AUTHENTICATION_TIMEOUT = 1", nil)
	c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{})
	c2s, _ := handshakeBytes(t, srv, c)

	t.Run("authentication timeout", func(t *testing.T) {
		c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{})
		c.Timeout = 1200 * time.Millisecond
		before := len(srv.log())
		px := startProxy(t, srv.addr, c2s/2, -1, true) // inside TOKEN message 1
		if o := runVia(t, c, px.addr, cmdWrite); o.err == nil {
			t.Fatal("succeeded through a stalled relay")
		}
		e := srv.waitLog(t, before+1)[before]
		if e.Result != daemon.ResultError || !isTimeout(e.Err) || !strings.Contains(e.Err.Error(), "TOKEN") ||
			e.Duration < time.Second || e.Duration > 5*time.Second {
			t.Errorf("server log %v, want a timeout in the TOKEN exchange after ~1 s", e)
		}
	})

	t.Run("client context", func(t *testing.T) {
		px := startProxy(t, srv.addr, -1, 0, true) // the server never answers
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Dial(ctx, "tcp", px.addr, security.Request{Command: cmdWrite}, nil)
		const want = "SECMAN:2007:Security handshake interrupted."
		if errText(err) != want || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("client error %q (%v), want %q caused by the context", errText(err), causeOf(err), want)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %v", d)
		}
	})
}

// isTimeout reports whether err was caused by a deadline.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// TestConcurrentHandshakes runs 200 new-session handshakes at once for
// FS and then for TOKEN against one daemon (cedar.md §4.2, full
// handshakes), then 200 commands resuming one cached session (§4.12).
// Every client must get its identity and an AES stream, every new
// handshake its own session; the daemon must log each command; FS must
// leave no directory behind.
func TestConcurrentHandshakes(t *testing.T) {
	const n = 200
	p := newPool(t)
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED\nSEC_DEFAULT_ENCRYPTION = REQUIRED", nil)
	for _, m := range []struct {
		name, offer, identity, method string
		resume                        bool
	}{
		{"FS", "FS", fsUser(t), "FS", false},
		{"TOKEN", "IDTOKENS", tokenUser, "IDTOKENS", false},
		// One cached TOKEN session resumed by every goroutine at once.
		{"TOKEN/resumed", "IDTOKENS", tokenUser, "IDTOKENS", true},
	} {
		t.Run(m.name, func(t *testing.T) {
			c := p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = "+m.offer, clientOpts{})
			if m.resume {
				c.Sessions = security.NewSessionCache(0)
				if o := srv.run(t, c, cmdWrite); o.err != nil {
					t.Fatal(o.err)
				}
			}
			before := len(srv.log())
			start := time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, n)
			sessions := make(chan string, n)
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					o := runVia(t, c, srv.addr, cmdWrite)
					want := m.identity + "|" + m.method + "|true"
					switch {
					case o.err != nil:
						errs <- o.err
					case o.reply != want:
						errs <- fmt.Errorf("server saw %q, want %q", o.reply, want)
					}
				}()
			}
			wg.Wait()
			took := time.Since(start)
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			entries := srv.waitLog(t, before+n)[before:]
			for _, e := range entries {
				if e.Result != daemon.ResultAuthorized || e.Identity != m.identity || e.Method != m.method || e.Resumed != m.resume {
					t.Errorf("log %v", e)
				}
				sessions <- e.Session
			}
			close(sessions)
			seen := map[string]bool{}
			for s := range sessions {
				if seen[s] && !m.resume {
					t.Errorf("session id %s handed out twice", s)
				}
				seen[s] = true
			}
			if m.resume && len(seen) != 1 {
				t.Errorf("%d sessions used, want the one cached", len(seen))
			}
			t.Logf("%d concurrent %s commands in %v (%.0f/s)", n, m.name, took, n/took.Seconds())
		})
	}
	if entries, err := os.ReadDir(p.fsDir); err != nil || len(entries) != 0 {
		t.Errorf("FS directories left behind: %v %v", entries, err)
	}
}
