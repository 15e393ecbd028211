package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/fs"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// A minimal daemon built with pkg/daemon: FS authentication in a
// temporary directory, AES, and scripted command handlers that record the
// request and answer with prepared ads.

const fakeDomain = "example.net"

// fakeServer is a running daemon.
type fakeServer struct {
	addr   string // "<127.0.0.1:port>"
	srv    *daemon.Server
	fsDir  string
	mu     sync.Mutex
	reqs   []*classad.Ad // request ads received, in order
	log    []daemon.LogEntry
	denied map[int]bool // commands the authorizer refuses
}

// fakeOptions vary the daemon.
type fakeOptions struct {
	// knobs are extra server configuration lines.
	knobs []string
	// handlers answer commands; unknown commands are not registered.
	handlers map[int]daemon.Handler
	// methods replace the server's methods (default: FS only).
	methods []auth.Server
	// deny lists commands refused by authorization: when set, the
	// authorizer refuses every level and these commands lose their ALLOW
	// alternate.
	deny []int
}

// serverConfig loads a daemon configuration.
func loadConfig(t testing.TB, subsystem string, lines ...string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "condor_config")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Subsystem: subsystem, ConfigFile: path, Env: []string{}, Hostname: "testd"})
	if err != nil {
		t.Fatalf("loading configuration: %v", err)
	}
	return cfg
}

// commandInfo are the registrations of tokens.md §1.2 for the commands
// the tests use.
var commandInfo = map[int]daemon.Command{
	CmdGetSessionToken:         {Name: "DC_GET_SESSION_TOKEN", Perm: "DAEMON", AltPerms: []string{"ALLOW"}},
	CmdStartTokenRequest:       {Name: "DC_START_TOKEN_REQUEST", Perm: "DAEMON", AltPerms: []string{"ALLOW"}},
	CmdFinishTokenRequest:      {Name: "DC_FINISH_TOKEN_REQUEST", Perm: "DAEMON", AltPerms: []string{"ALLOW"}},
	CmdListTokenRequest:        {Name: "DC_LIST_TOKEN_REQUEST", Perm: "DAEMON", AltPerms: []string{"ALLOW"}, ForceAuthentication: true},
	CmdApproveTokenRequest:     {Name: "DC_APPROVE_TOKEN_REQUEST", Perm: "DAEMON", AltPerms: []string{"ALLOW"}, ForceAuthentication: true},
	CmdAutoApproveTokenRequest: {Name: "DC_AUTO_APPROVE_TOKEN_REQUEST", Perm: "ADMINISTRATOR"},
	CmdStoreCred:               {Name: "STORE_CRED", Perm: "WRITE", ForceAuthentication: true},
	CmdStorePoolCred:           {Name: "STORE_POOL_CRED", Perm: "ADMINISTRATOR"},
	security.DCNopRead:         {Name: "DC_NOP_READ", Perm: "READ"},
	security.DCNopWrite:        {Name: "DC_NOP_WRITE", Perm: "WRITE"},
}

// startFake runs a daemon on 127.0.0.1 with FS authentication required and
// AES, unless o.knobs say otherwise.
func startFake(t testing.TB, o fakeOptions) *fakeServer {
	t.Helper()
	f := &fakeServer{fsDir: t.TempDir(), denied: map[int]bool{}}
	for _, c := range o.deny {
		f.denied[c] = true
	}
	cfg := loadConfig(t, "COLLECTOR", append([]string{
		"UID_DOMAIN = " + fakeDomain, "TRUST_DOMAIN = " + fakeDomain,
		"SEC_DEFAULT_AUTHENTICATION = REQUIRED", "SEC_DEFAULT_ENCRYPTION = REQUIRED",
		"SEC_DEFAULT_INTEGRITY = REQUIRED", "SEC_DEFAULT_AUTHENTICATION_METHODS = FS",
	}, o.knobs...)...)
	ps, err := security.ServerPolicies(cfg, "COLLECTOR")
	if err != nil {
		t.Fatal(err)
	}
	tab := daemon.NewTable()
	for num, h := range o.handlers {
		c := commandInfo[num]
		c.Num, c.Handler = num, h
		if f.denied[num] {
			c.AltPerms = nil // ALLOW would always pass
		}
		if c.Name == "" {
			c.Name, c.Perm = fmt.Sprintf("CMD_%d", num), "READ"
		}
		if err := tab.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, num := range []int{security.DCNopRead, security.DCNopWrite} {
		if _, ok := o.handlers[num]; !ok {
			c := commandInfo[num]
			c.Num, c.Handler = num, func(context.Context, *daemon.Request) error { return nil }
			if err := tab.Register(c); err != nil {
				t.Fatal(err)
			}
		}
	}
	methods := o.methods
	if methods == nil {
		methods = []auth.Server{fs.NewServer(fs.ServerConfig{Dir: f.fsDir, UIDDomain: fakeDomain})}
	}
	dc := daemon.Config{
		Commands: tab,
		Security: &security.Server{Policies: ps, Hostname: "testd", Pid: 4711, Methods: methods},
		Authorizer: daemon.AuthorizerFunc(func(perm string, id auth.Identity, _ net.Addr) (bool, string) {
			return true, "test allows " + perm
		}),
		HandlerTimeout: 10 * time.Second,
		Log: func(e daemon.LogEntry) {
			f.mu.Lock()
			f.log = append(f.log, e)
			f.mu.Unlock()
		},
	}
	if len(f.denied) > 0 {
		dc.Authorizer = daemon.AuthorizerFunc(func(perm string, id auth.Identity, _ net.Addr) (bool, string) {
			return false, "test denies " + perm
		})
	}
	if f.srv, err = daemon.New(dc); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = "<" + l.Addr().String() + ">"
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(l) }()
	t.Cleanup(func() {
		_ = f.srv.Close()
		if err := <-served; !errors.Is(err, daemon.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return f
}

// record stores a request ad.
func (f *fakeServer) record(ad *classad.Ad) {
	f.mu.Lock()
	f.reqs = append(f.reqs, ad)
	f.mu.Unlock()
}

// requests returns the request ads received so far.
func (f *fakeServer) requests() []*classad.Ad {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*classad.Ad(nil), f.reqs...)
}

// entries returns the daemon's log so far.
func (f *fakeServer) entries() []daemon.LogEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]daemon.LogEntry(nil), f.log...)
}

// waitEntries waits until n connections were logged.
func (f *fakeServer) waitEntries(t testing.TB, n int) []daemon.LogEntry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if e := f.entries(); len(e) >= n {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d log entries, want %d", len(f.entries()), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// replyAds is a handler that reads one request ad, records it and answers
// with each of replies (old-syntax ad texts) as its own message; a reply
// holding "\n---\n" sends several ads in one message.
func (f *fakeServer) replyAds(replies ...string) daemon.Handler {
	return func(_ context.Context, r *daemon.Request) error {
		lines, _, _, err := r.Stream.GetAdLines()
		if err != nil {
			return err
		}
		if err := r.Stream.EndOfMessage(); err != nil {
			return err
		}
		ad, err := classad.ParseLines(lines)
		if err != nil {
			return err
		}
		f.record(ad)
		for _, msg := range replies {
			// "\n---\n" separates ads sent in one message.
			for _, text := range strings.Split(msg, "\n---\n") {
				reply, err := classad.ParseOld(text)
				if err != nil {
					return err
				}
				if err := r.Stream.PutAdLines(reply.AssignmentLines(classad.InsertionOrder), "", ""); err != nil {
					return err
				}
			}
			if err := r.Stream.EndOfMessage(); err != nil {
				return err
			}
		}
		return nil
	}
}

// fakeClient builds a tool's client whose FS directory is the daemon's and
// whose only method is FS. A root process creates the FS directory as
// itself (CONDOR_IDS = 0.0), so it is root@example.net.
func fakeClient(t testing.TB, f *fakeServer, extra ...string) *Client {
	t.Helper()
	cfg := loadConfig(t, "TOOL", append([]string{
		"UID_DOMAIN = " + fakeDomain, "TRUST_DOMAIN = " + fakeDomain,
		"SEC_CLIENT_AUTHENTICATION_METHODS = FS", "FS_LOCAL_DIR = " + f.fsDir,
		"CONDOR_IDS = 0.0", "COLLECTOR_HOST = " + strings.Trim(f.addr, "<>"),
		"SEC_DEFAULT_ENCRYPTION = REQUIRED", "SEC_DEFAULT_INTEGRITY = REQUIRED",
	}, extra...)...)
	c, err := New(Options{Config: cfg, Uid: os.Getuid(), Euid: os.Geteuid(), Home: t.TempDir(),
		Sessions: security.NewSessionCache(0)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fsIdentity is the identity FS gives this process at the fake daemon.
func fsIdentity(t testing.TB) string {
	t.Helper()
	u, err := osuser.LookupUid(os.Geteuid())
	if err != nil || u.Name == "" {
		t.Skipf("uid %d is not in the password file: %v", os.Geteuid(), err)
	}
	return u.Name + "@" + fakeDomain
}

// freeAddr returns an address on which nothing listens.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "<" + addr + ">"
}
