package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/locate"
	"github.com/condor-auth/condor-auth/pkg/tokenreq"
)

// ErrServerClosed is returned by Serve after Shutdown, and by Serve and
// Reload on a server that was shut down.
var ErrServerClosed = errors.New("server: closed")

// Defaults of Options.
const (
	// DefaultShutdownGrace is how long Serve lets commands in progress
	// finish when its context ends.
	DefaultShutdownGrace = 10 * time.Second
	// DefaultReloadGrace is how long commands that started before a
	// Reload may run on the old configuration.
	DefaultReloadGrace = time.Minute
	// cleanupInterval is HTCondor's token-request cleanup timer (tokens.md
	// §8.1).
	cleanupInterval = 60 * time.Second
)

// keyRefreshInterval is how often the daemon looks for signing keys that
// appeared or disappeared (a variable for tests).
var keyRefreshInterval = 5 * time.Second

// Options configure New.
type Options struct {
	// Config is the HTCondor configuration, normally loaded for the
	// COLLECTOR subsystem. Required; LOCAL_DIR must be set.
	Config *config.Config
	// Listen is the host:port to listen on; "" means the host:port of
	// COLLECTOR_HOST (port COLLECTOR_PORT when it names none; port 0 picks
	// a free port, published in COLLECTOR_ADDRESS_FILE).
	Listen string
	// Logger receives the daemon log, one line per command and one per
	// notable event; nil discards it. Lines never hold a token or key.
	Logger io.Writer
	// Now is the clock of token times, request expiry and sessions;
	// nil means time.Now.
	Now func() time.Time
	// Rand is the source of request ids, token ids and new signing keys;
	// nil means crypto/rand. Session keys, IVs and nonces always come from
	// crypto/rand.
	Rand io.Reader
	// MaxConnections bounds the connections handled at once (0: the
	// pkg/daemon default, 256).
	MaxConnections int
	// HandlerTimeout bounds each command handler (0: the pkg/daemon
	// default, 60 s).
	HandlerTimeout time.Duration
}

// Server is the embedded daemon: one TCP port that answers the commands of
// a collector, schedd, credd and master (token issue, token requests,
// credential storage, location queries).
type Server struct {
	opts     Options
	now      func() time.Time
	rand     io.Reader
	log      *logger
	outcomes outcomes

	ln       net.Listener
	sinful   locate.Sinful
	ip       net.IP
	version  string
	platform string
	started  time.Time
	listenAt string

	sessions *security.ServerSessions
	requests *tokenreq.Store

	cur      atomic.Pointer[generation]
	reloadMu sync.Mutex // serialises Reload

	mu       sync.Mutex
	serving  bool
	closed   bool
	files    []string
	draining map[*generation]struct{}
	bg       sync.WaitGroup // dispatcher, maintenance, draining generations

	closing      chan struct{}
	shutdownOnce sync.Once
	shutdownDone chan struct{}
	shutdownErr  error
}

// New prepares the daemon: it reads the configuration, creates the POOL
// signing key when absent (and the SSL CA and host certificate, as a
// collector does), opens the token-request state file, starts listening
// and writes the address files the tools read. Commands are answered once
// Serve runs.
func New(opts Options) (*Server, error) {
	s := &Server{opts: opts, now: opts.Now, closing: make(chan struct{}), shutdownDone: make(chan struct{}),
		draining: map[*generation]struct{}{}, version: security.DefaultVersion, platform: platformString()}
	if s.now == nil {
		s.now = time.Now
	}
	s.rand = &lockedReader{r: opts.Rand}
	if opts.Rand == nil {
		s.rand = rand.Reader
	}
	s.log = &logger{w: opts.Logger, now: s.now}
	s.started = s.now()

	st, err := loadSettings(opts.Config, s.now, s.rand, s.logf)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	if err := ensureDirs(st); err != nil {
		return nil, err
	}
	if err := s.prepareKeys(st); err != nil {
		return nil, err
	}
	s.requests, err = tokenreq.Open(tokenreq.Options{Path: st.stateFile, Rand: s.rand, Knobs: st.reqKnobs})
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = s.requests.Close()
			if s.ln != nil {
				_ = s.ln.Close()
			}
		}
	}()
	if s.listenAt, err = listenAddress(st.cfg, opts.Listen); err != nil {
		return nil, err
	}
	if s.ln, err = listen(context.Background(), s.listenAt); err != nil {
		return nil, err
	}
	if s.sinful, err = advertisedSinful(s.ln.Addr(), st.fullHostname); err != nil {
		return nil, err
	}
	s.ip = net.ParseIP(s.sinful.Host())
	s.sessions = security.NewServerSessions(0)
	g, err := s.newGeneration(st)
	if err != nil {
		return nil, err
	}
	if s.files, err = s.publish(st, g.ads); err != nil {
		return nil, err
	}
	s.cur.Store(g)
	ok = true
	s.logf("condor-auth daemon listening on %s (advertised %s) as collector %q, schedd %q, credd %q, master %q; trust domain %s",
		s.ln.Addr(), s.sinful, st.collectorName, st.scheddName, st.creddName, st.masterName, st.trustDomain)
	return s, nil
}

// Addr returns the address the daemon listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Sinful returns the address the daemon advertises in its ads and address
// files, e.g. <127.0.0.1:9618?addrs=127.0.0.1-9618&alias=vm>.
func (s *Server) Sinful() string { return s.sinful.String() }

// Serve answers commands until Shutdown is called (it then returns
// ErrServerClosed at once, while Shutdown drains the connections) or ctx
// ends (it then shuts the daemon down, giving commands in progress
// DefaultShutdownGrace, and returns ctx's error). A failure of the
// listener itself shuts the daemon down and is returned.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	if s.serving {
		s.mu.Unlock()
		return errors.New("server: Serve called twice")
	}
	s.serving = true
	s.startGeneration(s.cur.Load())
	s.bg.Add(2)
	s.mu.Unlock()

	acceptErr := make(chan error, 1)
	go func() { defer s.bg.Done(); acceptErr <- s.dispatch() }()
	go func() { defer s.bg.Done(); s.maintain() }()

	graceful := func() {
		sctx, cancel := context.WithTimeout(context.Background(), DefaultShutdownGrace)
		defer cancel()
		_ = s.Shutdown(sctx)
	}
	select {
	case <-s.closing:
		return ErrServerClosed
	case <-ctx.Done():
		graceful()
		return ctx.Err()
	case err := <-acceptErr:
		select {
		case <-s.closing:
			return ErrServerClosed
		default:
		}
		s.logf("the listener failed, shutting down: %v", err)
		graceful()
		return fmt.Errorf("accepting connections on %s: %w", s.ln.Addr(), err)
	}
}

// Shutdown stops the daemon: it stops accepting connections, removes the
// address files, waits for the commands in progress (until ctx ends, when
// the remaining connections are closed and ctx's error returned) and
// closes the token-request state file. It may be called more than once;
// later calls wait for the first to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.closing)
		files := s.files
		s.files = nil
		gens := []*generation{s.cur.Load()}
		for g := range s.draining {
			gens = append(gens, g)
		}
		started := make([]bool, len(gens))
		for i, g := range gens {
			started[i] = g.started
		}
		s.mu.Unlock()

		_ = s.ln.Close()
		s.unpublish(files)
		errs := make(chan error, len(gens))
		for i, g := range gens {
			go func() { errs <- g.shutdown(ctx, started[i]) }()
		}
		var first error
		for range gens {
			if err := <-errs; err != nil && first == nil {
				first = err
			}
		}
		s.bg.Wait()
		if err := s.requests.Close(); err != nil && first == nil {
			first = err
		}
		s.shutdownErr = first
		s.logf("condor-auth daemon stopped")
		close(s.shutdownDone)
	})
	select {
	case <-s.shutdownDone:
		return s.shutdownErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Reload applies a new configuration the way an HTCondor daemon handles
// SIGHUP (condor_reconfig): everything configuration-derived is rebuilt —
// security policies and methods, ALLOW/DENY lists, keys, knobs, names,
// ads and address files — the POOL key is created again if it went
// missing, and, as tokens.md §2 requires, every auto-approval rule is
// dropped and every stored token request fails (tokenreq Reconfig).
// Commands already running finish on the old configuration. On error the
// daemon keeps its current configuration. The listen address is not
// changed by a reload.
func (s *Server) Reload(cfg *config.Config) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.isClosed() {
		return ErrServerClosed
	}
	st, err := loadSettings(cfg, s.now, s.rand, s.logf)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if at, err := listenAddress(cfg, s.opts.Listen); err == nil && at != s.listenAt {
		s.logf("the configuration now asks to listen on %s; still listening on %s until restarted", at, s.listenAt)
	}
	if err := s.prepareKeys(st); err != nil {
		return err
	}
	g, err := s.newGeneration(st)
	if err != nil {
		return err
	}
	s.requests.SetKnobs(st.reqKnobs)
	if err := s.requests.Reconfig(s.now()); err != nil {
		s.logf("reconfig: could not mark the stored token requests failed: %v", err)
	}

	if !s.install(g) {
		return ErrServerClosed
	}
	files, err := s.publish(st, g.ads)
	if err != nil {
		s.logf("reconfig: cannot write the address files: %v", err)
		return nil
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.unpublish(files)
		return ErrServerClosed
	}
	oldFiles := s.files
	s.files = files
	s.mu.Unlock()
	var stale []string
	for _, p := range oldFiles {
		if !contains(files, p) {
			stale = append(stale, p)
		}
	}
	s.unpublish(stale)
	s.logf("reconfigured: token requests failed and auto-approval rules dropped (tokens.md §2)")
	return nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// dispatch accepts connections and hands each to the current generation.
func (s *Server) dispatch() error {
	backoff := time.Duration(0)
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.closing:
				return nil
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Transient (EMFILE, aborted connection): back off.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logf("accept failed (retrying in %v): %v", backoff, err)
			select {
			case <-time.After(backoff):
			case <-s.closing:
				return nil
			}
			continue
		}
		backoff = 0
		if !s.handOff(c) {
			_ = c.Close()
			return nil
		}
	}
}

// handOff passes c to the current generation, following reloads.
func (s *Server) handOff(c net.Conn) bool {
	for {
		g := s.cur.Load()
		select {
		case g.l.conns <- c:
			return true
		case <-g.l.done:
			// Retired by a Reload (retry with the new generation) or by
			// Shutdown.
			select {
			case <-s.closing:
				return false
			default:
			}
		case <-s.closing:
			return false
		}
	}
}

// maintain runs the periodic work: the advertised signing keys are
// checked every keyRefreshInterval, token requests cleaned up every 60 s
// and credentials swept every SEC_CREDENTIAL_SWEEP_INTERVAL.
func (s *Server) maintain() {
	keys := time.NewTicker(keyRefreshInterval)
	defer keys.Stop()
	t := time.NewTicker(cleanupInterval)
	defer t.Stop()
	lastSweep := time.Now()
	for {
		select {
		case <-s.closing:
			return
		case <-keys.C:
			s.refreshIssuerKeys()
			continue
		case <-t.C:
		}
		if err := s.requests.Cleanup(s.now()); err != nil {
			s.logf("token request cleanup: %v", err)
		}
		g := s.cur.Load()
		if iv := g.st.sweepInterval; iv > 0 && time.Since(lastSweep) >= iv {
			lastSweep = time.Now()
			removed, err := g.cred.Sweep()
			for _, p := range removed {
				s.logf("swept credential %s", p)
			}
			if err != nil {
				s.logf("credential sweep: %v", err)
			}
		}
	}
}

// lockedReader serialises reads of a caller's io.Reader, which need not be
// safe for concurrent use.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
