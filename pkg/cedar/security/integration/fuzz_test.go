package integration

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// recordingConn keeps a copy of everything written.
type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	out bytes.Buffer
}

func (c *recordingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.mu.Lock()
	c.out.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

// clientBytes records what a real client sends for one command.
func clientBytes(t testing.TB, srv *server, c *security.Client) []byte {
	t.Helper()
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	rc := &recordingConn{Conn: conn}
	defer rc.Close()
	s, err := cedar.NewStream(rc, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := len(srv.log())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if r, err := c.StartCommand(ctx, s, security.Request{Command: cmdRead, Sinful: "<" + srv.addr + ">"}); err == nil {
		if r.Raw {
			// The command int waits for the payload's end of message.
			_ = r.Stream.EndOfMessage()
		}
		_, _, _ = r.Stream.GetString()
	}
	srv.waitLog(t, before+1)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return bytes.Clone(rc.out.Bytes())
}

// FuzzDaemonClientBytes sends arbitrary client bytes to a daemon running
// the real methods and checks that it never panics or hangs: every
// connection ends with exactly one log entry, promptly. The seeds are the
// recorded byte streams of real clients (CLAIMTOBE and ANONYMOUS run
// entirely in plaintext, so a replay reaches the post-auth ad; TOKEN, SSL
// and FS replays fail at their proofs), so mutations exercise the policy
// ad parser, the reconciliation, the method negotiation and each method's
// server-side decoder.
//
// The daemon's goroutines make coverage vary from run to run, so almost
// every input looks new; run it with -fuzzminimizetime=1x, or the engine
// spends its time minimizing:
//
//	go test -run='^$' -fuzz=FuzzDaemonClientBytes -fuzztime=60s -fuzzminimizetime=1x ./pkg/cedar/security/integration
func FuzzDaemonClientBytes(f *testing.F) {
	p := newPool(f)
	srv := p.startServer(f, "SEC_DEFAULT_AUTHENTICATION = REQUIRED\nSEC_READ_AUTHENTICATION = OPTIONAL",
		func(c *daemon.Config) {
			c.HandshakeTimeout = 2 * time.Second
			c.Stream.MaxMessageSize = 256 << 10
		})
	for _, m := range []string{"CLAIMTOBE", "ANONYMOUS", "IDTOKENS", "SSL", "FS"} {
		f.Add(clientBytes(f, srv, p.client(f, "SEC_CLIENT_AUTHENTICATION = REQUIRED\nSEC_CLIENT_AUTHENTICATION_METHODS = "+m, clientOpts{})))
	}
	// Negotiation NEVER: a raw READ command.
	f.Add(clientBytes(f, srv, p.client(f, "SEC_CLIENT_NEGOTIATION = NEVER\nSEC_CLIENT_AUTHENTICATION = NEVER", clientOpts{})))
	f.Add(append(header(1, 8), 0, 0, 0, 0, 0, 0, 0xee, 0x49))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 64<<10 {
			return
		}
		before := len(srv.log())
		conn, err := net.Dial("tcp", srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write(in); err != nil && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
			t.Fatal(err)
		}
		_ = conn.(*net.TCPConn).CloseWrite()
		if _, err := io.Copy(io.Discard, conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("the daemon did not close the connection: %v", err)
		}
		e := srv.waitLog(t, before+1)[before]
		switch e.Result {
		case daemon.ResultAuthorized, daemon.ResultDenied, daemon.ResultRejected, daemon.ResultError, daemon.ResultHandlerError:
		default:
			t.Fatalf("log entry with result %q: %v", e.Result, e)
		}
		if e.Duration > 5*time.Second {
			t.Fatalf("the daemon held the connection for %v: %v", e.Duration, e)
		}
	})
}
