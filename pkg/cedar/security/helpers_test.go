package security

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/anonymous"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/claimtobe"
)

// knobs is an in-memory Knobs.
type knobs map[string]string

func (k knobs) Get(name string) (string, bool) {
	v, ok := k[name]
	return v, ok && v != ""
}

// table is a small CommandTable.
type table map[int]CommandInfo

func (t table) Lookup(cmd int) (CommandInfo, bool) {
	i, ok := t[cmd]
	return i, ok
}

func (t table) ValidCommands(perm string, mapped bool) []int {
	var out []int
	for _, p := range ImpliedPerms(perm) {
		var cmds []int
		for c, i := range t {
			if (i.Perm == p || slices.Contains(i.AltPerms, p)) && (!i.ForceAuthentication || mapped) {
				cmds = append(cmds, c)
			}
		}
		slices.Sort(cmds)
		out = append(out, cmds...)
	}
	return out
}

const (
	cmdRead     = 5
	cmdWrite    = 60021
	cmdDaemon   = 60046
	cmdForce    = 60049
	cmdAllow    = 60047
	testDomain  = "example.net"
	testSinfulP = "<127.0.0.1:%d>"
)

func testTable() table {
	return table{
		cmdRead:   {Name: "QUERY_STARTD_ADS", Perm: PermRead},
		cmdWrite:  {Name: "DC_NOP_WRITE", Perm: PermWrite},
		cmdDaemon: {Name: "DC_GET_SESSION_TOKEN", Perm: PermDaemon, AltPerms: []string{PermAllow}},
		cmdForce:  {Name: "DC_LIST_TOKEN_REQUEST", Perm: PermDaemon, AltPerms: []string{PermAllow}, ForceAuthentication: true},
		cmdAllow:  {Name: "ALLOW_CMD", Perm: PermAllow},
		DCNop:     {Name: "DC_NOP", Perm: PermRead},
	}
}

// claimClient returns a CLAIMTOBE client for user@example.net.
func claimClient(user string) auth.Client {
	return claimtobe.NewClient(claimtobe.ClientOptions{User: user, Domain: testDomain, IncludeDomain: true})
}

func claimServer() auth.Server {
	return claimtobe.NewServer(claimtobe.ServerOptions{UIDDomain: testDomain, IncludeDomain: true})
}

// failMethod is a method that fails cleanly on both sides: the server sends
// int 0, the client reads it (the shape of FS's failure result).
type failMethod struct{ name string }

func (f failMethod) Name() string { return f.name }
func (f failMethod) Bit() int {
	b, _ := auth.Bit(f.name)
	return b
}
func (f failMethod) Usable(*auth.Peer) (bool, string) { return true, "" }
func (f failMethod) Authenticate(_ context.Context, s *cedar.Stream, _ *auth.Peer) error {
	if _, err := s.GetInt(); err != nil {
		return err
	}
	if err := s.EndOfMessage(); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s stub always fails", auth.ErrFailed, f.name)
}

type failServer struct{ name string }

func (f failServer) Name() string { return f.name }
func (f failServer) Bit() int {
	b, _ := auth.Bit(f.name)
	return b
}
func (f failServer) Authenticate(_ context.Context, s *cedar.Stream, _ *auth.Peer) (auth.Identity, error) {
	if err := s.PutInt(0); err != nil {
		return auth.Identity{}, err
	}
	if err := s.EndOfMessage(); err != nil {
		return auth.Identity{}, err
	}
	return auth.Identity{}, fmt.Errorf("%w: %s stub always fails", auth.ErrFailed, f.name)
}

// tokenServer pretends to be TOKEN: one int exchange, then an identity
// with token attributes (for DC_SEC_QUERY and scope tests).
type tokenServer struct{ policy map[string]any }

func (tokenServer) Name() string { return "TOKEN" }
func (tokenServer) Bit() int     { return auth.BitToken }
func (t tokenServer) Authenticate(_ context.Context, s *cedar.Stream, _ *auth.Peer) (auth.Identity, error) {
	if err := s.PutInt(1); err != nil {
		return auth.Identity{}, err
	}
	if err := s.EndOfMessage(); err != nil {
		return auth.Identity{}, err
	}
	return auth.Identity{User: "alice", Domain: testDomain, Method: "TOKEN", Policy: t.policy}, nil
}

type tokenClient struct{}

func (tokenClient) Name() string                     { return "TOKEN" }
func (tokenClient) Bit() int                         { return auth.BitToken }
func (tokenClient) Usable(*auth.Peer) (bool, string) { return true, "" }
func (tokenClient) Authenticate(_ context.Context, s *cedar.Stream, _ *auth.Peer) error {
	if _, err := s.GetInt(); err != nil {
		return err
	}
	return s.EndOfMessage()
}

// recommendedClient mirrors `use security:recommended` for a tool.
func recommendedClient() knobs {
	return knobs{
		"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_DEFAULT_ENCRYPTION": "REQUIRED",
		"SEC_DEFAULT_INTEGRITY": "REQUIRED", "SEC_READ_AUTHENTICATION": "OPTIONAL",
		"SEC_CLIENT_AUTHENTICATION": "OPTIONAL", "TRUST_DOMAIN": testDomain,
	}
}

// newTestClient builds a client from knobs with CLAIMTOBE and ANONYMOUS.
func newTestClient(t testing.TB, k knobs, methods ...auth.Client) *Client {
	t.Helper()
	if _, ok := k["SEC_CLIENT_AUTHENTICATION_METHODS"]; !ok {
		k["SEC_CLIENT_AUTHENTICATION_METHODS"] = "CLAIMTOBE,ANONYMOUS"
	}
	p, err := ClientPolicy(k, "TOOL")
	if err != nil {
		t.Fatal(err)
	}
	if methods == nil {
		methods = []auth.Client{claimClient("alice"), anonymous.Client{}}
	}
	return &Client{Policy: p, Methods: methods, Pid: 4242}
}

// newTestServer builds a server from knobs.
func newTestServer(t testing.TB, k knobs, methods ...auth.Server) *Server {
	t.Helper()
	if _, ok := k["SEC_DEFAULT_AUTHENTICATION_METHODS"]; !ok {
		k["SEC_DEFAULT_AUTHENTICATION_METHODS"] = "CLAIMTOBE,ANONYMOUS"
	}
	ps, err := ServerPolicies(k, "COLLECTOR")
	if err != nil {
		t.Fatal(err)
	}
	if methods == nil {
		methods = []auth.Server{claimServer(), anonymous.Server{}}
	}
	return &Server{Policies: ps, Methods: methods, Commands: testTable(), Authorize: AllowAll,
		Sessions: NewServerSessions(0), Hostname: "testhost", Pid: 77, Timeout: 5 * time.Second}
}

// outcome is what one side of a loopback handshake produced.
type outcome struct {
	res    *Result
	acc    *Accepted
	err    error
	srvErr error
}

// loopback runs one command between client and server over 127.0.0.1.
// serverFn runs after a successful Accept (with the stream), clientFn after
// a successful StartCommand.
func loopback(t testing.TB, c *Client, srv *Server, req Request, clientFn func(*Result) error, serverFn func(*Accepted) error) outcome {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var out outcome
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		conn, err := l.Accept()
		if err != nil {
			out.srvErr = err
			return
		}
		defer conn.Close()
		s, _ := cedar.NewStream(conn, nil)
		acc, err := srv.Accept(context.Background(), s)
		out.acc, out.srvErr = acc, err
		if err == nil && serverFn != nil {
			out.srvErr = serverFn(acc)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Dial(ctx, "tcp", l.Addr().String(), req, nil)
	out.res, out.err = res, err
	if err == nil {
		if clientFn != nil {
			out.err = clientFn(res)
		}
		res.Stream.Close()
	}
	wg.Wait()
	return out
}

// errText returns err's text or "".
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

var _ = errors.New
