package server

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/condor-auth/condor-auth/pkg/authz"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/credstore"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// generation is the daemon as one configuration makes it: settings,
// ads, credential store, command table, security layer and the pkg/daemon
// server that runs them. Reload builds a new generation and retires the
// old one, which finishes the commands it started; the listener, the
// security sessions and the token requests outlive generations.
type generation struct {
	srv  *Server
	st   *settings
	ads  []*classad.Ad
	cred *credstore.Store
	d    *daemon.Server
	l    *handoffListener
	// served is closed when the pkg/daemon server's Serve returned;
	// started (guarded by Server.mu) says whether it was started.
	served  chan struct{}
	started bool
}

// newGeneration builds a generation from st; it does not serve yet.
func (s *Server) newGeneration(st *settings) (*generation, error) {
	g := &generation{srv: s, st: st, cred: credstore.New(st.credOpts), served: make(chan struct{}),
		l: &handoffListener{addr: s.ln.Addr(), conns: make(chan net.Conn), done: make(chan struct{}), requeue: s.handOff}}
	var err error
	if g.ads, err = buildAds(st, s.sinful, s.version, s.platform, s.started.Unix()); err != nil {
		return nil, err
	}
	table, err := g.commandTable()
	if err != nil {
		return nil, err
	}
	sec := &security.Server{Policies: st.policies, Methods: st.methods, Sessions: s.sessions,
		Version: s.version, Hostname: st.hostname, Now: s.now, UIDDomain: st.uidDomain}
	if st.mapFile != nil {
		sec.MapName = st.mapFile.Map
	}
	g.d, err = daemon.New(daemon.Config{Commands: table, Security: sec, Authorizer: g,
		MaxConnections: s.opts.MaxConnections, HandlerTimeout: s.opts.HandlerTimeout, Log: s.logEntry, Now: s.now})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Authorize implements daemon.Authorizer with the generation's ALLOW/DENY
// lists (pkg/authz; IpVerify::Verify for one level — pkg/daemon applies
// the token bounds and the alternate levels around it).
func (g *generation) Authorize(perm string, id auth.Identity, peer net.Addr) (bool, string) {
	p, ok := authz.ParsePerm(perm)
	if !ok {
		return false, "unknown permission level " + perm
	}
	fqu := id.FQU()
	if fqu == "" {
		fqu = unauthenticatedFQU
	}
	return g.st.authz.Verify(p, fqu, daemon.PeerIP(peer))
}

// startGeneration starts serving g's handoff listener (once).
func (s *Server) startGeneration(g *generation) {
	if g.started {
		return
	}
	g.started = true
	go func() {
		defer close(g.served)
		if err := g.d.Serve(g.l); err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, daemon.ErrServerClosed) {
			s.logf("serving stopped: %v", err)
		}
	}()
}

// install makes g the generation new connections go to and retires the
// current one, which finishes its commands in the background (for at most
// DefaultReloadGrace). It reports false when the server is shut down.
func (s *Server) install(g *generation) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	old := s.cur.Swap(g)
	if s.serving {
		s.startGeneration(g)
	}
	s.draining[old] = struct{}{}
	oldStarted := old.started
	s.bg.Add(1)
	s.mu.Unlock()

	// The dispatcher moves to g as soon as the old handoff listener is
	// closed.
	_ = old.l.Close()
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), DefaultReloadGrace)
		defer cancel()
		_ = old.shutdown(ctx, oldStarted)
		s.mu.Lock()
		delete(s.draining, old)
		s.mu.Unlock()
	}()
	return true
}

// refreshIssuerKeys re-reads which signing keys this daemon can use and,
// when that changed, installs a generation advertising the new IssuerKeys
// (HTCondor recomputes the list every SEC_TOKEN_POOL_SIGNING_DIR_REFRESH_TIME
// seconds, default 0 — tokens.md §6.4 — so that a key added to
// SEC_PASSWORD_DIRECTORY is usable at once). Nothing else changes: it is
// not a reconfig.
func (s *Server) refreshIssuerKeys() {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cur := s.cur.Load()
	keys := cur.st.keys.IssuerKeys()
	if slices.Equal(keys, cur.st.advertisedKeys()) {
		return
	}
	st := cur.st.withIssuerKeys(keys)
	g, err := s.newGeneration(st)
	if err != nil {
		s.logf("cannot advertise the new signing keys: %v", err)
		return
	}
	if s.install(g) {
		s.logf("signing keys now advertised: %s", strings.Join(keys, ", "))
	}
}

// shutdown stops g: no new connections, the running ones finish until
// ctx ends. started is g.started read under Server.mu.
func (g *generation) shutdown(ctx context.Context, started bool) error {
	_ = g.l.Close()
	err := g.d.Shutdown(ctx)
	if started {
		<-g.served
	}
	return err
}

// handoffListener is the net.Listener a generation's pkg/daemon server
// accepts from: the server's dispatcher passes it the connections the real
// listener accepted. Closing it retires the generation without closing the
// real listener.
type handoffListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	// requeue hands a connection to the current generation (Server.handOff);
	// it reports false when the server is shutting down.
	requeue func(net.Conn) bool
}

// Accept returns the next connection handed over, or net.ErrClosed.
func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return &handedConn{Conn: c, l: l}, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// retired reports whether Close was called.
func (l *handoffListener) retired() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// handedConn is a connection a generation accepted. A generation retired
// by Reload may still receive a connection (the dispatcher's hand-off and
// Close race), and its pkg/daemon server, shutting down, then closes it
// unread — the client saw "Read failure during security negotiation".
// Closing such a connection, retired and never read from or written to,
// passes it on to the current generation instead.
type handedConn struct {
	net.Conn
	l      *handoffListener
	used   atomic.Bool
	closed atomic.Bool
}

// Read marks the connection used.
func (c *handedConn) Read(p []byte) (int, error) {
	c.used.Store(true)
	return c.Conn.Read(p)
}

// Write marks the connection used.
func (c *handedConn) Write(p []byte) (int, error) {
	c.used.Store(true)
	return c.Conn.Write(p)
}

// Close closes the connection, or requeues it when its generation retired
// before using it.
func (c *handedConn) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return nil
	}
	if !c.used.Load() && c.l.retired() && c.l.requeue != nil && c.l.requeue(c.Conn) {
		return nil
	}
	return c.Conn.Close()
}

// Close retires the listener.
func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr returns the real listener's address.
func (l *handoffListener) Addr() net.Addr { return l.addr }

var _ net.Listener = (*handoffListener)(nil)
