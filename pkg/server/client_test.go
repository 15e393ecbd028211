package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	toolclient "github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/credstore"
)

// toolClient is pkg/client as the tools use it, configured like a tool of
// the fixture's pool whose token directory holds one token for sub.
func (f *fixture) toolClient(t testing.TB, sub string) *toolclient.Client {
	t.Helper()
	dir := filepath.Join(f.dir, "tokens-"+strings.Split(sub, "@")[0])
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tok"), []byte(f.mint(t, sub, nil, -1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(f.dir, "tool_config_"+filepath.Base(dir))
	text := f.cfgText + "SEC_CLIENT_AUTHENTICATION_METHODS = TOKEN\nSEC_TOKEN_DIRECTORY = " + dir + "\n"
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Subsystem: "TOOL", ConfigFile: p, Env: []string{}, Hostname: "vm"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := toolclient.New(toolclient.Options{Config: cfg, Uid: os.Getuid(), Euid: os.Geteuid(), Home: f.dir,
		Now: f.clock.Now, Sessions: security.NewSessionCache(0)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestWithClient drives the daemon with pkg/client, the tools' side: the
// daemon is located through the address files it wrote.
func TestWithClient(t *testing.T) {
	f := newFixture(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	user := f.toolClient(t, alice)
	adm := f.toolClient(t, admin)
	tgt := toolclient.Target{Timeout: 10 * time.Second}

	tok, err := user.GetSessionToken(ctx, tgt, []string{"READ"}, 600, "")
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	if d := describe(f.parseToken(t, tok)); d != (fetched{Kid: "POOL", Sub: alice, Scope: "condor:/READ", Lifetime: 600}) {
		t.Errorf("fetched %+v", d)
	}
	if _, err := user.GetSessionToken(ctx, tgt, nil, 0, "named"); err == nil || err.Error() != "DAEMON:3:Server will not sign with requested key." {
		t.Errorf("GetSessionToken -key named: %v", err)
	}

	start, err := user.StartTokenRequest(ctx, tgt, "bob", []string{"READ"}, 300, "vm-7")
	if err != nil || start.Token != "" || !requestIDPattern.MatchString(start.RequestID) {
		t.Fatalf("StartTokenRequest: %+v %v", start, err)
	}
	if got, err := user.FinishTokenRequest(ctx, tgt, start.RequestID, "vm-7"); err != nil || got != "" {
		t.Fatalf("FinishTokenRequest (pending): %q %v", got, err)
	}
	ads, err := adm.ListTokenRequests(ctx, tgt, "")
	if err != nil || len(ads) != 1 || mustStr(ads[0], "RequestedIdentity") != bob {
		t.Fatalf("ListTokenRequests: %v %v", lines(ads), err)
	}
	if err := adm.ApproveTokenRequest(ctx, tgt, start.RequestID, "vm-7"); err != nil {
		t.Fatalf("ApproveTokenRequest: %v", err)
	}
	got, err := user.FinishTokenRequest(ctx, tgt, start.RequestID, "vm-7")
	if err != nil || f.parseToken(t, got).Claims.Sub != bob {
		t.Fatalf("FinishTokenRequest: %v", err)
	}
	if _, err := user.FinishTokenRequest(ctx, tgt, start.RequestID, "vm-7"); err == nil || err.Error() != "DAEMON:3:Request ID is not known." {
		t.Errorf("second FinishTokenRequest: %v", err)
	}
	if err := user.AutoApproveTokenRequests(ctx, tgt, "127.0.0.0/8", 60); err == nil {
		t.Error("alice installed an auto-approval rule")
	}
	if err := adm.AutoApproveTokenRequests(ctx, tgt, "127.0.0.0/8", 60); err != nil {
		t.Errorf("AutoApproveTokenRequests: %v", err)
	}

	rep, err := user.StoreCred(ctx, toolclient.Target{Type: "credd", Timeout: 10 * time.Second}, toolclient.StoreCredRequest{
		Mode: credstore.OpAdd | credstore.TypeOAuth, Cred: []byte("access"), Ad: map[string]any{"service": "svc", "NeedRefresh": false}})
	if err != nil || rep.Code <= 100 || mustStr(rep.Ad, "fully_qualified_user") != alice {
		t.Errorf("StoreCred: %+v %v", rep, err)
	}

	ping, err := user.Ping(ctx, toolclient.Target{Type: "collector", Timeout: 10 * time.Second}, "WRITE")
	if err != nil || !ping.Authenticated || ping.Identity != alice {
		t.Errorf("Ping: %+v %v", ping, err)
	}
}
