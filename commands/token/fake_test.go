package token

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// fakeClient is a scripted cmdutil.NetClient: each field answers one call;
// calls are recorded.
type fakeClient struct {
	mu    sync.Mutex
	calls []string

	fetch   func(t client.Target, authz []string, lifetime int64, key string) (string, error)
	start   func(t client.Target, identity string, authz []string, lifetime int64, clientID string) (client.StartReply, error)
	finish  func(reqID, clientID string) (string, error)
	list    func(reqID string) ([]*classad.Ad, error)
	approve func(reqID, clientID string) error
	auto    func(netblock string, lifetime int64) error
	// schedd is the local schedd's name ("" = cannot be located); remote
	// answers RemoteToken.
	schedd string
	remote func(t client.Target, schedd string, authz []string, lifetime int64) (string, error)
}

var errUnscripted = errors.New("fake client: call not scripted")

func (c *fakeClient) record(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fmt.Sprintf(format, args...))
}

func (c *fakeClient) callList() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

func (c *fakeClient) GetSessionToken(ctx context.Context, t client.Target, authz []string, lifetime int64, key string) (string, error) {
	c.record("fetch %s %v %d %q", t.Type, authz, lifetime, key)
	if c.fetch == nil {
		return "", errUnscripted
	}
	return c.fetch(t, authz, lifetime, key)
}

func (c *fakeClient) StartTokenRequest(ctx context.Context, t client.Target, identity string, authz []string, lifetime int64, clientID string) (client.StartReply, error) {
	c.record("start %s %s %v %d %s", t.Type, identity, authz, lifetime, clientID)
	if c.start == nil {
		return client.StartReply{}, errUnscripted
	}
	return c.start(t, identity, authz, lifetime, clientID)
}

func (c *fakeClient) FinishTokenRequest(ctx context.Context, t client.Target, reqID, clientID string) (string, error) {
	c.record("finish %s %s", reqID, clientID)
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if c.finish == nil {
		return "", errUnscripted
	}
	return c.finish(reqID, clientID)
}

func (c *fakeClient) ListTokenRequests(ctx context.Context, t client.Target, reqID string) ([]*classad.Ad, error) {
	c.record("list %s %q", t.Type, reqID)
	if c.list == nil {
		return nil, errUnscripted
	}
	return c.list(reqID)
}

func (c *fakeClient) ApproveTokenRequest(ctx context.Context, t client.Target, reqID, clientID string) error {
	c.record("approve %s %s", reqID, clientID)
	if c.approve == nil {
		return errUnscripted
	}
	return c.approve(reqID, clientID)
}

func (c *fakeClient) AutoApproveTokenRequests(ctx context.Context, t client.Target, netblock string, lifetime int64) error {
	c.record("auto %s %s %d", t.Type, netblock, lifetime)
	if c.auto == nil {
		return errUnscripted
	}
	return c.auto(netblock, lifetime)
}

func (c *fakeClient) StoreCred(context.Context, client.Target, client.StoreCredRequest) (client.StoreCredReply, error) {
	return client.StoreCredReply{}, errUnscripted
}

func (c *fakeClient) Ping(context.Context, client.Target, string) (*client.PingResult, error) {
	return nil, errUnscripted
}

func (c *fakeClient) DefaultScheddName(context.Context) (string, bool) {
	c.record("defaultScheddName")
	return c.schedd, c.schedd != ""
}

func (c *fakeClient) RemoteToken(_ context.Context, t client.Target, schedd string, authz []string, lifetime int64) (string, error) {
	c.record("remote pool=%q type=%q name=%q schedd=%q authz=%v lifetime=%d", t.Pool, t.Type, t.Name, schedd, authz, lifetime)
	if c.remote == nil {
		return "", errUnscripted
	}
	return c.remote(t, schedd, authz, lifetime)
}

// withClient installs fc as the environment's network client.
func (e *env) withClient(fc *fakeClient) *env {
	e.f.Client = func(cmdutil.ClientOptions) (cmdutil.NetClient, error) { return fc, nil }
	return e
}

// daemonErr is a CondorError chain as the client returns it.
func daemonErr(subsys string, code int, msg string) error {
	return condorerr.New(subsys, code, "%s", msg)
}

// locateErr is a location failure as the client returns it.
func locateErr(line string) error {
	return &locate.ToolError{Line: line}
}

// requestAd builds a token-request ad from name/value pairs (strings or
// int64s), in the given order.
func requestAd(t *testing.T, kv ...any) *classad.Ad {
	t.Helper()
	ad := classad.NewAd()
	for i := 0; i+1 < len(kv); i += 2 {
		name := kv[i].(string)
		var err error
		switch v := kv[i+1].(type) {
		case string:
			err = ad.SetString(name, v)
		case int:
			err = ad.SetInt(name, int64(v))
		default:
			t.Fatalf("requestAd: %T", v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return ad
}

// adR1 is the request of real-tools.md R1/A1 (alice, READ,WRITE, 3600 s).
func adR1(t *testing.T) *classad.Ad {
	return requestAd(t, "ClientId", "host-755", "RequestId", "0642594", "PeerLocation", "127.0.0.1",
		"TokenLifetime", 3600, "RequestedIdentity", "alice@htc.local", "LimitAuthorization", "READ,WRITE",
		"AuthenticatedIdentity", "condor@htc.local")
}

// adA2 is the request of real-tools.md A2 (bob, 600 s, no authz).
func adA2(t *testing.T) *classad.Ad {
	return requestAd(t, "AuthenticatedIdentity", "condor@htc.local", "RequestedIdentity", "bob@htc.local",
		"ClientId", "host-184", "RequestId", "3369998", "PeerLocation", "127.0.0.1", "TokenLifetime", 600)
}

// execute runs a modern command with args the way the root command does
// (no usage dump on errors).
func execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.Execute()
}
