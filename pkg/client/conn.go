package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// conn is a connection with a started command: the stream is positioned
// at the command's payload.
type conn struct {
	s    *cedar.Stream
	res  *security.Result
	addr string // the daemon's address, as the C++ messages print it
	stop func() bool
	// bg is closed when the connection's background work (the known_hosts
	// entry) is done; nil when there is none.
	bg chan struct{}
}

// close releases the connection, after its background work.
func (cn *conn) close() {
	if cn.stop != nil {
		cn.stop()
	}
	_ = cn.s.Close()
	if cn.bg != nil {
		<-cn.bg
	}
}

// startSpec describes how one command starts.
type startSpec struct {
	cmd, authCmd int
	// startFail is the DAEMON:1 entry pushed on top of a failed handshake,
	// with one %s for the address; "" pushes nothing (fetch, auto-approve,
	// ping and store_cred add no entry of their own, tokens.md §10).
	startFail string
	// newSession forbids resuming a cached session.
	newSession bool
	// notes, if set, collects the handshake's explain notes.
	notes *[]string
}

// connectError is a failed TCP connect (or shared-port hand-over): the
// callers report it as DAEMON:1:Failed to connect to remote daemon at '…'.
type connectError struct{ err error }

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// open connects to loc and starts the command of sp. A connect failure is
// returned as *connectError; a handshake failure as the handshake's
// condorerr chain with sp.startFail pushed on top. The connection obeys
// ctx: its deadline bounds every later read and write, and cancelling ctx
// closes it.
func (c *Client) open(ctx context.Context, loc *locate.Location, sp startSpec) (*conn, error) {
	addr := loc.Addr
	for attempt := 0; ; attempt++ {
		cn, err := c.openOnce(ctx, loc, sp)
		if err == nil {
			return cn, nil
		}
		// A server that forgot our session answers SID_NOT_FOUND; the
		// session is gone from the cache, so one retry negotiates anew.
		if attempt == 0 && errors.Is(err, security.ErrSessionNotFound) {
			c.debugf("Session for %s unknown to the server; retrying with a new session", addr)
			continue
		}
		return nil, err
	}
}

func (c *Client) openOnce(ctx context.Context, loc *locate.Location, sp startSpec) (*conn, error) {
	addr := loc.Addr
	netConn, err := c.dialSinful(ctx, loc.Sinful)
	if err != nil {
		c.debugf("Failed to connect to %s: %v", addr, err)
		return nil, &connectError{err: err}
	}
	cfg := cedar.Config{
		MaxMessageSize:  MaxReplyMessage,
		MaxAdAttributes: MaxReplyAttributes,
		ReadTimeout:     DefaultIOTimeout,
		WriteTimeout:    DefaultIOTimeout,
		SendPacketSize:  c.h.sendPacket,
		Rand:            c.opts.Rand,
	}
	if c.h.ivRand != nil {
		cfg.Rand = c.h.ivRand()
	}
	s, err := cedar.NewStream(netConn, &cfg)
	if err != nil {
		_ = netConn.Close()
		return nil, &connectError{err: err}
	}
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	fail := func(err error) (*conn, error) {
		stop()
		_ = s.Close()
		return nil, err
	}

	spID := loc.Sinful.SharedPortID()
	if spID != "" {
		// The shared-port daemon hands the connection to the daemon named
		// by sock= (cedar.md §6.8); only then does DC_AUTHENTICATE start.
		dl, _ := ctx.Deadline()
		if err := locate.SendSharedPortConnect(s, spID, "TOOL", dl); err != nil {
			return fail(&connectError{err: fmt.Errorf("shared-port connect to %q: %w", spID, ctxCause(ctx, err))})
		}
	}

	explain := c.explainFunc(sp.notes)
	sc := c.securityClient(loc.Alias, explain)
	req := security.Request{Command: sp.cmd, AuthCommand: sp.authCmd, Sinful: addr, SharedPortID: spID, NewSession: sp.newSession}
	res, err := sc.StartCommand(ctx, s, req)
	if err != nil {
		c.debugf("SECMAN: startCommand %d to %s failed: %v", sp.cmd, addr, err)
		return fail(startError(err, sp.startFail, addr))
	}
	c.debugf("SECMAN: startCommand %d to %s succeeded: session %s, method %q, identity %q, resumed %v, encrypted %v",
		sp.cmd, addr, res.SessionID, res.Method, res.MyIdentity, res.Resumed, res.Encrypted)
	var bg chan struct{}
	if !res.Resumed {
		// The known_hosts entry is file I/O off the critical path: it runs
		// while the command's request and reply travel, and close waits.
		bg = make(chan struct{})
		go func() {
			defer close(bg)
			c.recordKnownHost(loc.Sinful.Alias(), res)
		}()
	}
	// The handshake cleared its own deadline; the call's deadline now
	// bounds the payload.
	if d, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(d)
	}
	return &conn{s: s, res: res, addr: addr, stop: stop, bg: bg}, nil
}

// dialSinful connects to the address of a sinful string: an entry of its
// addrs= list chosen like Sock::chooseAddrFromAddrs, else its host and
// port (cedar.md §6.7).
func (c *Client) dialSinful(ctx context.Context, sin locate.Sinful) (net.Conn, error) {
	if sin.SharedPortID() != "" {
		if port, ok := sin.Port(); ok && port == 0 {
			return nil, errors.New("the address names a shared-port endpoint without a port (local shared-port connections are not supported)")
		}
	}
	hostport, err := sin.DialAddress(c.ipv4, c.ipv6)
	if err != nil {
		return nil, err
	}
	if c.h.dial != nil {
		return c.h.dial(ctx, "tcp", hostport)
	}
	d := net.Dialer{Timeout: DefaultConnectTimeout}
	if _, ok := ctx.Deadline(); ok {
		d.Timeout = 0 // the context's deadline applies
	}
	return d.DialContext(ctx, "tcp", hostport)
}

// explainFunc returns the explain callback of one call: the client's
// Explain and Debug, plus the call's note collection.
func (c *Client) explainFunc(notes *[]string) func(string, ...any) {
	if c.opts.Explain == nil && c.opts.Debug == nil && notes == nil {
		return nil
	}
	return func(format string, args ...any) {
		if c.opts.Explain != nil {
			c.opts.Explain(format, args...)
		}
		msg := fmt.Sprintf(format, args...)
		if notes != nil {
			*notes = append(*notes, msg)
		}
		c.debugf("SECMAN: %s", msg)
	}
}

// startError pushes the command's own entry (if any) on top of the
// handshake's chain (CondorError::push, tokens.md §10).
func startError(err error, format, addr string) error {
	ce, ok := condorerr.As(err)
	if !ok {
		ce = condorerr.New("SECMAN", 2007, "Failure performing handshake").WithCause(err)
	}
	if format == "" {
		return ce
	}
	return ce.Wrap("DAEMON", 1, format, addr)
}

// ctxCause returns err, joined with the context's error when the context
// ended (so errors.Is(err, context.DeadlineExceeded) holds after a
// timeout).
func ctxCause(ctx context.Context, err error) error {
	cerr := ctx.Err()
	if cerr == nil {
		// The connection's deadline is the context's; it may fire a moment
		// before the context notices.
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
			cerr = context.DeadlineExceeded
		}
	}
	if cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}

// connectFailed is the entry every token command pushes when the TCP
// connection fails (tokens.md §10).
func connectFailed(ctx context.Context, err error, addr string) error {
	var ce *connectError
	if errors.As(err, &ce) {
		return condorerr.New("DAEMON", 1, "Failed to connect to remote daemon at '%s'", addr).WithCause(ctxCause(ctx, ce.err))
	}
	return err
}
