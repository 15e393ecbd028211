package daemon

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/anonymous"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/claimtobe"
)

type knobs map[string]string

func (k knobs) Get(name string) (string, bool) {
	v, ok := k[name]
	return v, ok && v != ""
}

const domain = "example.net"

// Command numbers used by the tests.
const (
	cmdEcho   = 60046 // DAEMON, alternate ALLOW: echoes a string
	cmdWrite  = 60021 // WRITE
	cmdRead   = 5     // READ
	cmdAdmin  = 60051 // ADMINISTRATOR
	cmdBlock  = 700   // READ: blocks until released
	cmdPanic  = 701   // READ: panics
	cmdReadIn = 702   // READ: reads one string from the client
)

// echo reads a string and sends it back.
func echo(_ context.Context, r *Request) error {
	v, _, err := r.Stream.GetString()
	if err != nil {
		return err
	}
	if err := r.Stream.EndOfMessage(); err != nil {
		return err
	}
	if err := r.Stream.PutString(v + "@" + r.Identity.FQU()); err != nil {
		return err
	}
	return r.Stream.EndOfMessage()
}

func noop(context.Context, *Request) error { return nil }

// scoped pretends to be TOKEN with a scope limit (one int exchange).
type scopedServer struct{ limit string }

func (scopedServer) Name() string { return "TOKEN" }
func (scopedServer) Bit() int     { return auth.BitToken }
func (s scopedServer) Authenticate(_ context.Context, st *cedar.Stream, _ *auth.Peer) (auth.Identity, error) {
	if err := st.PutInt(1); err != nil {
		return auth.Identity{}, err
	}
	if err := st.EndOfMessage(); err != nil {
		return auth.Identity{}, err
	}
	pol := map[string]any{"AuthTokenSubject": "tok@" + domain}
	if s.limit != "" {
		pol[security.AttrLimitAuthorization] = s.limit
	}
	return auth.Identity{User: "tok", Domain: domain, Method: "TOKEN", Policy: pol}, nil
}

type scopedClient struct{}

func (scopedClient) Name() string                     { return "TOKEN" }
func (scopedClient) Bit() int                         { return auth.BitToken }
func (scopedClient) Usable(*auth.Peer) (bool, string) { return true, "" }
func (scopedClient) Authenticate(_ context.Context, s *cedar.Stream, _ *auth.Peer) error {
	if _, err := s.GetInt(); err != nil {
		return err
	}
	return s.EndOfMessage()
}

// fixture is a running daemon.
type fixture struct {
	srv     *Server
	addr    string
	mu      sync.Mutex
	entries []LogEntry
	release chan struct{}
	served  chan error
}

func (f *fixture) log() []LogEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]LogEntry(nil), f.entries...)
}

// waitLog waits until n entries were logged.
func (f *fixture) waitLog(t testing.TB, n int) []LogEntry {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if e := f.log(); len(e) >= n {
			return e
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("only %d log entries, want %d: %v", len(f.log()), n, f.log())
	return nil
}

// allowFrom is an Authorizer: every level in allowed passes for everybody.
func allowFrom(allowed ...string) Authorizer {
	return AuthorizerFunc(func(perm string, id auth.Identity, _ net.Addr) (bool, string) {
		for _, a := range allowed {
			if a == perm {
				return true, "ALLOW_" + perm + " = *"
			}
		}
		return false, "not in ALLOW_" + perm
	})
}

// start runs a daemon with CLAIMTOBE, ANONYMOUS and the scoped TOKEN.
func start(t testing.TB, mod func(*Config)) *fixture {
	t.Helper()
	ps, err := security.ServerPolicies(knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_DEFAULT_ENCRYPTION": "REQUIRED",
		"SEC_READ_AUTHENTICATION": "OPTIONAL", "SEC_DEFAULT_AUTHENTICATION_METHODS": "TOKEN,CLAIMTOBE,ANONYMOUS", "TRUST_DOMAIN": domain}, "COLLECTOR")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{release: make(chan struct{}), served: make(chan error, 1)}
	tab := NewTable()
	must := func(c Command) {
		if err := tab.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	must(Command{Num: cmdEcho, Name: "DC_GET_SESSION_TOKEN", Perm: "DAEMON", AltPerms: []string{"ALLOW"}, Handler: echo})
	must(Command{Num: cmdWrite, Name: "DC_NOP_WRITE", Perm: "WRITE", Handler: echo})
	must(Command{Num: cmdRead, Name: "QUERY_STARTD_ADS", Perm: "READ", Handler: echo})
	must(Command{Num: cmdAdmin, Name: "DC_AUTO_APPROVE_TOKEN_REQUEST", Perm: "ADMINISTRATOR", Handler: echo})
	must(Command{Num: cmdBlock, Name: "BLOCK", Perm: "READ", Handler: func(ctx context.Context, _ *Request) error {
		select {
		case <-f.release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}})
	must(Command{Num: cmdPanic, Name: "PANIC", Perm: "READ", Handler: func(context.Context, *Request) error { panic("boom") }})
	must(Command{Num: cmdReadIn, Name: "READ_IN", Perm: "READ", Handler: echo})
	cfg := Config{Commands: tab, Authorizer: allowFrom("READ", "WRITE", "DAEMON"),
		Security: &security.Server{Policies: ps, Hostname: "testd", Pid: 9,
			Methods: []auth.Server{scopedServer{}, claimtobe.NewServer(claimtobe.ServerOptions{UIDDomain: domain, IncludeDomain: true}), anonymous.Server{}}},
		Log: func(e LogEntry) { f.mu.Lock(); f.entries = append(f.entries, e); f.mu.Unlock() }}
	if mod != nil {
		mod(&cfg)
	}
	f.srv, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = l.Addr().String()
	go func() { f.served <- f.srv.Serve(l) }()
	t.Cleanup(func() {
		_ = f.srv.Close()
		if err := <-f.served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return f
}

// client returns a security client for a tool with the given methods.
func client(t testing.TB, methods string, m ...auth.Client) *security.Client {
	t.Helper()
	p, err := security.ClientPolicy(knobs{"SEC_CLIENT_AUTHENTICATION_METHODS": methods, "SEC_DEFAULT_ENCRYPTION": "REQUIRED",
		"SEC_DEFAULT_INTEGRITY": "REQUIRED", "TRUST_DOMAIN": domain}, "TOOL")
	if err != nil {
		t.Fatal(err)
	}
	if m == nil {
		m = []auth.Client{claimtobe.NewClient(claimtobe.ClientOptions{User: "alice", Domain: domain, IncludeDomain: true}), anonymous.Client{}, scopedClient{}}
	}
	return &security.Client{Policy: p, Methods: m}
}

// call runs one echo command and returns the reply.
func call(t testing.TB, c *security.Client, addr string, cmd int, msg string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.Dial(ctx, "tcp", addr, security.Request{Command: cmd}, nil)
	if err != nil {
		return "", err
	}
	defer r.Stream.Close()
	if err := r.Stream.PutString(msg); err != nil {
		return "", err
	}
	if err := r.Stream.EndOfMessage(); err != nil {
		return "", err
	}
	v, _, err := r.Stream.GetString()
	if err == nil {
		err = r.Stream.EndOfMessage()
	}
	return v, err
}

// settleGoroutines waits until the goroutine count drops to at most n.
func settleGoroutines(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want <= %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
