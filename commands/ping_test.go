package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// fakeNet is a scripted network client for the command-tree tests.
type fakeNet struct {
	mu      sync.Mutex
	calls   []string
	err     error // returned by every call when set
	ping    *client.PingResult
	explain func(format string, args ...any)
	ads     []*classad.Ad
	token   string
	store   client.StoreCredReply
}

func (n *fakeNet) record(s string, args ...any) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls = append(n.calls, fmt.Sprintf(s, args...))
	return n.err
}

func (n *fakeNet) GetSessionToken(_ context.Context, t client.Target, authz []string, lifetime int64, key string) (string, error) {
	return n.token, n.record("fetch %s %v %d %s", t.Type, authz, lifetime, key)
}
func (n *fakeNet) StartTokenRequest(_ context.Context, t client.Target, id string, authz []string, lifetime int64, cid string) (client.StartReply, error) {
	return client.StartReply{Token: n.token}, n.record("start %s %s", t.Type, id)
}
func (n *fakeNet) FinishTokenRequest(_ context.Context, t client.Target, rid, cid string) (string, error) {
	return n.token, n.record("finish %s", rid)
}
func (n *fakeNet) ListTokenRequests(_ context.Context, t client.Target, rid string) ([]*classad.Ad, error) {
	return n.ads, n.record("list %s %q", t.Type, rid)
}
func (n *fakeNet) ApproveTokenRequest(_ context.Context, t client.Target, rid, cid string) error {
	return n.record("approve %s %s", rid, cid)
}
func (n *fakeNet) AutoApproveTokenRequests(_ context.Context, t client.Target, nb string, lifetime int64) error {
	return n.record("auto %s %d", nb, lifetime)
}
func (n *fakeNet) StoreCred(_ context.Context, t client.Target, req client.StoreCredRequest) (client.StoreCredReply, error) {
	return n.store, n.record("store %s %d", t.Type, req.Mode)
}
func (n *fakeNet) Ping(_ context.Context, t client.Target, what string) (*client.PingResult, error) {
	if n.explain != nil {
		n.explain("TOKEN: no token for issuer %s", "htc.local")
	}
	if err := n.record("ping %s %s %s", t.Type, t.Name, what); err != nil {
		return nil, err
	}
	return n.ping, nil
}

func (n *fakeNet) DefaultScheddName(context.Context) (string, bool) { return "", false }
func (n *fakeNet) RemoteToken(context.Context, client.Target, string, []string, int64) (string, error) {
	return "", n.record("remote")
}

// withNet installs fake as the factory's client, capturing ClientOptions.
func withNet(f *cmdutil.Factory, fake *fakeNet) {
	f.Client = func(o cmdutil.ClientOptions) (cmdutil.NetClient, error) {
		fake.explain = o.Explain
		return fake, nil
	}
}

var pg1 = &client.PingResult{Addr: "<127.0.0.1:29618>", Identity: "htcuser@htc.local", Method: "IDTOKENS",
	Sid: "host:24606:1795640212:95", Encrypted: true, Authenticated: true, ReturnCode: "AUTHORIZED",
	ValidCommands: []int{60021, 60046}, Notes: []string{"TOKEN: no token for issuer htc.local"}}

func TestPing(t *testing.T) {
	f, streams := testFactory(t, "")
	fake := &fakeNet{ping: pg1}
	withNet(f, fake)
	code := Main(f, RootName, []string{RootName, "ping", "--type", "collector", "--explain"})
	out, errOut := streams()
	want := "Daemon:          <127.0.0.1:29618> (collector)\nCommand:         WRITE\nAuthorized:      yes (AUTHORIZED)\n" +
		"Identity:        htcuser@htc.local\nAuthentication:  IDTOKENS\nEncryption:      AES\nSession ID:      host:24606:1795640212:95\n"
	if code != 0 || out != want || errOut != "explain: TOKEN: no token for issuer htc.local\n" {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	if fake.calls[0] != "ping collector  WRITE" {
		t.Fatalf("calls %v", fake.calls)
	}

	// JSON with notes, a named command.
	f, streams = testFactory(t, "")
	withNet(f, &fakeNet{ping: pg1})
	code = Main(f, RootName, []string{RootName, "ping", "-o", "json", "--explain", "DC_NOP_READ"})
	out, _ = streams()
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 {
		t.Fatalf("exit %d %v: %s", code, err, out)
	}
	if res["command"] != "DC_NOP_READ" || res["identity"] != "htcuser@htc.local" || res["encrypted"] != true ||
		res["session_id"] != "host:24606:1795640212:95" || res["authorized"] != true || len(res["notes"].([]any)) != 1 {
		t.Fatalf("json %v", res)
	}
}

func TestPingRefusals(t *testing.T) {
	denied := *pg1
	denied.ReturnCode = "DENIED"
	for _, tc := range []struct {
		name   string
		fake   *fakeNet
		code   int
		stderr string
	}{
		{"refused by policy", &fakeNet{ping: &denied}, cmdutil.ExitAuth, "condor-auth: WRITE was refused for htcuser@htc.local (DENIED)"},
		{"denied in the handshake", &fakeNet{err: condorerr.New("SECMAN", 2010, `Received "DENIED" from server for user htcuser@htc.local using method IDTOKENS.`)},
			cmdutil.ExitAuth, `condor-auth: WRITE failed: SECMAN:2010:Received "DENIED" from server`},
		{"authentication failed", &fakeNet{err: condorerr.New("AUTHENTICATE", 1004, "Failed to authenticate using IDTOKENS").Wrap("AUTHENTICATE", 1003, "Failed to authenticate with any method")},
			cmdutil.ExitAuth, "AUTHENTICATE:1003:Failed to authenticate with any method|AUTHENTICATE:1004:Failed to authenticate using IDTOKENS"},
		{"not located", &fakeNet{err: &locate.ToolError{Line: "ERROR: couldn't locate daemon x!"}}, cmdutil.ExitFailure, "condor-auth: WRITE failed: couldn't locate daemon x! (check --pool"},
		{"other failure", &fakeNet{err: errors.New("connection reset")}, cmdutil.ExitFailure, "condor-auth: WRITE failed: connection reset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, streams := testFactory(t, "")
			withNet(f, tc.fake)
			code := Main(f, RootName, []string{RootName, "ping"})
			_, errOut := streams()
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Fatalf("exit %d stderr %q, want %d %q", code, errOut, tc.code, tc.stderr)
			}
		})
	}
}

func TestPingJSONOnFailure(t *testing.T) {
	f, streams := testFactory(t, "")
	withNet(f, &fakeNet{err: condorerr.New("SECMAN", 2010, `Received "DENIED" from server for user u@d using method FS.`)})
	code := Main(f, RootName, []string{RootName, "ping", "-o", "json", "--explain", "ADMINISTRATOR"})
	out, errOut := streams()
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if code != cmdutil.ExitAuth || res["authorized"] != false || !strings.Contains(res["error"].(string), "SECMAN:2010") ||
		len(res["notes"].([]any)) != 1 || !strings.Contains(errOut, "SECMAN:2010") {
		t.Fatalf("exit %d json %v stderr %q", code, res, errOut)
	}
}
