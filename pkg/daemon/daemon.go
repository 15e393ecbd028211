// Package daemon is the TCP command server of the embedded daemon: a
// command table in the style of DaemonCore (command number → handler,
// permission level, force_authentication), the CEDAR security handshake
// of every connection (pkg/cedar/security), authorization with token
// scope bounding, per-connection deadlines, bounded message sizes, a
// limit on concurrent connections, graceful shutdown and one log line per
// command.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
)

// Defaults of Config.
const (
	DefaultMaxConnections   = 256
	DefaultHandshakeTimeout = 20 * time.Second // DaemonCore's command socket timeout
	DefaultHandlerTimeout   = 60 * time.Second
	DefaultIOTimeout        = 20 * time.Second
	DefaultMaxMessageSize   = 1 << 20
	sessionPruneInterval    = time.Minute
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("daemon: server closed")

// Config configures a Server.
type Config struct {
	// Commands is the command table. Required.
	Commands *Table
	// Security is the handshake configuration: Policies, Methods,
	// Sessions, Version, Hostname, SharedPortID, Explain. New sets its
	// Commands, Authorize and Timeout fields (and Sessions when nil); it
	// must not be shared with another Server. Required.
	Security *security.Server
	// Authorizer decides ALLOW/DENY per permission level. Required.
	Authorizer Authorizer
	// MaxConnections bounds the connections handled at once; further
	// connections wait in the listen backlog. Default
	// DefaultMaxConnections.
	MaxConnections int
	// HandshakeTimeout bounds the security handshake, HandlerTimeout the
	// command handler (both as absolute deadlines on the connection).
	HandshakeTimeout, HandlerTimeout time.Duration
	// Stream configures every connection's CEDAR stream. MaxMessageSize
	// defaults to DefaultMaxMessageSize (1 MiB), ReadTimeout and
	// WriteTimeout (per packet) to DefaultIOTimeout.
	Stream cedar.Config
	// Log, if set, receives one entry per connection. Entries never hold
	// secrets.
	Log func(LogEntry)
	// Now is the clock of log entries; default time.Now.
	Now func() time.Time
}

// Server serves CEDAR commands.
type Server struct {
	cfg  Config
	sec  *security.Server
	sem  chan struct{}
	base context.Context
	stop context.CancelFunc

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup // connection goroutines
	done      chan struct{}  // closed at Shutdown/Close
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Commands == nil || cfg.Security == nil || cfg.Authorizer == nil {
		return nil, errors.New("daemon: Config.Commands, Config.Security and Config.Authorizer are required")
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.HandlerTimeout <= 0 {
		cfg.HandlerTimeout = DefaultHandlerTimeout
	}
	if cfg.Stream.MaxMessageSize == 0 {
		cfg.Stream.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.Stream.ReadTimeout == 0 {
		cfg.Stream.ReadTimeout = DefaultIOTimeout
	}
	if cfg.Stream.WriteTimeout == 0 {
		cfg.Stream.WriteTimeout = DefaultIOTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if _, err := cedar.NewStream(nopConn{}, &cfg.Stream); err != nil {
		return nil, fmt.Errorf("daemon: Config.Stream: %w", err)
	}
	sec := cfg.Security
	sec.Commands = cfg.Commands
	sec.Timeout = cfg.HandshakeTimeout
	authz := cfg.Authorizer
	sec.Authorize = func(r *security.AuthzRequest) (bool, string) { return authorize(authz, r) }
	if sec.Sessions == nil {
		sec.Sessions = security.NewServerSessions(0)
	}
	base, stop := context.WithCancel(context.Background())
	return &Server{cfg: cfg, sec: sec, sem: make(chan struct{}, cfg.MaxConnections), base: base, stop: stop,
		listeners: map[net.Listener]struct{}{}, conns: map[net.Conn]struct{}{}, done: make(chan struct{})}, nil
}

// Sessions returns the cache of the sessions this server created.
func (s *Server) Sessions() *security.ServerSessions { return s.sec.Sessions }

// Serve accepts connections on l until Shutdown or Close, handling each in
// its own goroutine, at most Config.MaxConnections at a time. It closes l
// when it returns, and returns ErrServerClosed after Shutdown or Close.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		_ = l.Close()
	}()
	go s.pruneSessions()

	backoff := time.Duration(0)
	for {
		select {
		case s.sem <- struct{}{}:
		case <-s.done:
			return ErrServerClosed
		}
		conn, err := l.Accept()
		if err != nil {
			<-s.sem
			if s.isClosed() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Transient failure (EMFILE, aborted handshake): back off.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(backoff):
			case <-s.done:
				return ErrServerClosed
			}
			continue
		}
		backoff = 0
		if !s.track(conn) {
			<-s.sem
			_ = conn.Close()
			return ErrServerClosed
		}
		go func() {
			defer s.wg.Done()
			defer func() { <-s.sem }()
			defer s.untrack(conn)
			s.handle(conn)
		}()
	}
}

// track registers a connection unless the server is closing.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(c net.Conn) {
	_ = c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// pruneSessions drops expired sessions now and then while serving.
func (s *Server) pruneSessions() {
	t := time.NewTicker(sessionPruneInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.sec.Sessions.Prune(time.Now())
		case <-s.done:
			return
		}
	}
}

// beginClose stops accepting: it closes the listeners. It reports whether
// this call did it.
func (s *Server) beginClose() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.closed = true
	close(s.done)
	for l := range s.listeners {
		_ = l.Close()
	}
	return true
}

// Shutdown stops accepting connections and waits for the connections in
// progress to finish. If ctx ends first, it cancels the handlers' context,
// closes the remaining connections, waits for their goroutines and
// returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginClose()
	finished := make(chan struct{})
	go func() { s.wg.Wait(); close(finished) }()
	select {
	case <-finished:
		s.stop()
		return nil
	case <-ctx.Done():
		s.forceClose()
		<-finished
		return ctx.Err()
	}
}

// Close stops the server at once: listeners and connections are closed
// and handlers' contexts cancelled. It waits for the connection goroutines.
func (s *Server) Close() error {
	s.beginClose()
	s.forceClose()
	s.wg.Wait()
	return nil
}

func (s *Server) forceClose() {
	s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.Close()
	}
}

// handle runs the handshake and the handler of one connection.
func (s *Server) handle(conn net.Conn) {
	start := time.Now()
	entry := LogEntry{Time: s.cfg.Now(), Peer: conn.RemoteAddr()}
	defer func() {
		entry.Duration = time.Since(start)
		if s.cfg.Log != nil {
			s.cfg.Log(entry)
		}
	}()
	st, err := cedar.NewStream(conn, &s.cfg.Stream)
	if err != nil {
		entry.Result, entry.Err = ResultError, err
		return
	}
	hctx, cancel := context.WithTimeout(s.base, s.cfg.HandshakeTimeout)
	acc, err := s.sec.Accept(hctx, st)
	cancel()
	entry.fill(acc)
	if err != nil {
		entry.Err = err
		switch {
		case errors.Is(err, security.ErrNotAuthorized):
			entry.Result = ResultDenied
		case errors.Is(err, security.ErrRejected):
			entry.Result = ResultRejected
		default:
			entry.Result = ResultError
		}
		return
	}
	entry.Result = ResultAuthorized
	if acc.Handled {
		return
	}
	cmd, ok := s.cfg.Commands.Get(acc.Command)
	if !ok {
		entry.Result, entry.Err = ResultError, fmt.Errorf("command %d vanished from the table", acc.Command)
		return
	}
	ctx, cancelH := context.WithTimeout(s.base, s.cfg.HandlerTimeout)
	defer cancelH()
	deadline, _ := ctx.Deadline()
	_ = st.SetDeadline(deadline)
	// I/O stops at the deadline through the stream; a forced shutdown
	// closes the connection to unblock it at once.
	stopClose := context.AfterFunc(s.base, func() { _ = conn.Close() })
	defer stopClose()
	req := &Request{Stream: st, Command: acc.Command, Info: acc.Info, Identity: acc.Identity, Authenticated: acc.Authenticated,
		Method: acc.Method, Peer: conn.RemoteAddr(), SessionID: acc.SessionID, Resumed: acc.Resumed, Raw: acc.Raw,
		Encrypted: acc.Encrypted, ClientVersion: acc.ClientVersion}
	if err := runHandler(ctx, cmd.Handler, req); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("handler exceeded its %v deadline: %w", s.cfg.HandlerTimeout, err)
		}
		entry.Result, entry.Err = ResultHandlerError, err
	}
}

// runHandler calls h, turning a panic into an error so one bad request
// cannot bring the daemon down.
func runHandler(ctx context.Context, h Handler, req *Request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return h(ctx, req)
}

// nopConn lets New validate a cedar.Config.
type nopConn struct{ net.Conn }

func (nopConn) Read([]byte) (int, error)         { return 0, errors.New("nop") }
func (nopConn) Write(p []byte) (int, error)      { return len(p), nil }
func (nopConn) SetReadDeadline(time.Time) error  { return nil }
func (nopConn) SetWriteDeadline(time.Time) error { return nil }
