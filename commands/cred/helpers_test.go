package cred

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/commands/legacy"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/iostreams"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// storeCall is one recorded StoreCred call.
type storeCall struct {
	target client.Target
	req    client.StoreCredRequest
}

// fakeClient answers StoreCred with reply (or err) and records the calls.
type fakeClient struct {
	mu    sync.Mutex
	calls []storeCall
	reply client.StoreCredReply
	err   error
}

var errUnscripted = errors.New("fake client: call not scripted")

func (c *fakeClient) StoreCred(_ context.Context, t client.Target, req client.StoreCredRequest) (client.StoreCredReply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if req.Cred != nil {
		req.Cred = append([]byte(nil), req.Cred...)
	}
	c.calls = append(c.calls, storeCall{t, req})
	return c.reply, c.err
}

func (c *fakeClient) GetSessionToken(context.Context, client.Target, []string, int64, string) (string, error) {
	return "", errUnscripted
}
func (c *fakeClient) StartTokenRequest(context.Context, client.Target, string, []string, int64, string) (client.StartReply, error) {
	return client.StartReply{}, errUnscripted
}
func (c *fakeClient) FinishTokenRequest(context.Context, client.Target, string, string) (string, error) {
	return "", errUnscripted
}
func (c *fakeClient) ListTokenRequests(context.Context, client.Target, string) ([]*classad.Ad, error) {
	return nil, errUnscripted
}
func (c *fakeClient) ApproveTokenRequest(context.Context, client.Target, string, string) error {
	return errUnscripted
}
func (c *fakeClient) AutoApproveTokenRequests(context.Context, client.Target, string, int64) error {
	return errUnscripted
}
func (c *fakeClient) Ping(context.Context, client.Target, string) (*client.PingResult, error) {
	return nil, errUnscripted
}
func (c *fakeClient) DefaultScheddName(context.Context) (string, bool) { return "", false }
func (c *fakeClient) RemoteToken(context.Context, client.Target, string, []string, int64) (string, error) {
	return "", errUnscripted
}

type env struct {
	f              *cmdutil.Factory
	fc             *fakeClient
	stdin          *bytes.Buffer
	stdout, stderr *bytes.Buffer
	dir, poolFile  string
}

// newEnv builds a Factory for user name with effective uid euid over a
// private configuration (UID_DOMAIN htc.local, passwords.d 0700).
func newEnv(t *testing.T, name string, euid int, extraConfig string) *env {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "etc", "passwords.d")
	if err := os.MkdirAll(pw, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := "LOCAL_DIR = " + dir + "\nETC = $(LOCAL_DIR)/etc\nUID_DOMAIN = htc.local\nTRUST_DOMAIN = htc.local\n" + extraConfig
	cfgFile := filepath.Join(dir, "condor_config")
	if err := os.WriteFile(cfgFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, in, out, errOut := iostreams.Test()
	fc := &fakeClient{}
	f := &cmdutil.Factory{
		IOStreams: ios,
		Config:    cmdutil.CachedConfig(config.Options{Subsystem: "TOOL", ConfigFile: cfgFile, Env: []string{}}),
		User:      func() (osuser.User, error) { return osuser.User{Uid: os.Getuid(), Name: name, Home: dir}, nil },
		Now:       func() time.Time { return time.Unix(1795640000, 0) },
		Rand:      bytes.NewReader(make([]byte, 64)),
		Uid:       os.Getuid(),
		Euid:      euid,
		Client:    func(cmdutil.ClientOptions) (cmdutil.NetClient, error) { return fc, nil },
	}
	old := timeZone
	timeZone = time.UTC
	t.Cleanup(func() { timeZone = old })
	return &env{f: f, fc: fc, stdin: in, stdout: out, stderr: errOut, dir: dir, poolFile: filepath.Join(pw, "POOL")}
}

// legacyRun parses args as condor_store_cred does and runs them; parse
// exits are returned as they are.
func (e *env) legacyRun(t *testing.T, args ...string) (int, error) {
	t.Helper()
	a, err := legacy.ParseStoreCred("condor_store_cred", args)
	if err != nil {
		return -1, err
	}
	err = Run(&Options{F: e.f, Legacy: true, LegacyArgs: a})
	return cmdutil.CodeOf(err), err
}

func (e *env) calls() []storeCall {
	e.fc.mu.Lock()
	defer e.fc.mu.Unlock()
	return append([]storeCall(nil), e.fc.calls...)
}

// replyAd builds a reply ad from name/value pairs.
func replyAd(t *testing.T, kv ...any) *classad.Ad {
	t.Helper()
	ad := classad.NewAd()
	for i := 0; i+1 < len(kv); i += 2 {
		var err error
		switch v := kv[i+1].(type) {
		case string:
			err = ad.SetString(kv[i].(string), v)
		case int:
			err = ad.SetInt(kv[i].(string), int64(v))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return ad
}

// errDaemon is a DAEMON:1 CondorError as the client returns it.
func errDaemon(msg string) error {
	return condorerr.New("DAEMON", 1, "%s", msg)
}
