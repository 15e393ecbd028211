package server

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/fs"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/token"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
	"github.com/condor-auth/condor-auth/pkg/locate"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// TestStartupAndShutdownFiles: the POOL key is created (and logged), the
// address files exist while the daemon runs and are gone afterwards; the
// token-request state stays.
func TestStartupAndShutdownFiles(t *testing.T) {
	f := newFixture(t, "")
	pool := filepath.Join(f.dir, "passwords.d", "POOL")
	st, err := os.Stat(pool)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 || st.Size() != 64 {
		t.Errorf("POOL key: mode %v, %d bytes; want 0600, 64", st.Mode().Perm(), st.Size())
	}
	if !strings.Contains(f.log.String(), "Created POOL token signing key in file "+pool+"\n") {
		t.Errorf("log lacks the key creation line:\n%s", f.log)
	}
	for _, name := range []string{"trust_domain_ca.pem", "hostcert.pem", "hostkey.pem"} {
		if _, err := os.Stat(filepath.Join(f.dir, name)); err != nil {
			t.Errorf("SSL bootstrap: %v", err)
		}
	}
	addrFiles := []string{
		filepath.Join(f.dir, "log", ".collector_address"),
		filepath.Join(f.dir, "log", ".collector_address.super"),
		filepath.Join(f.dir, "log", ".master_address"),
		filepath.Join(f.dir, "log", ".credd_address"),
		filepath.Join(f.dir, "spool", ".schedd_address"),
		filepath.Join(f.dir, "spool", ".schedd_address.super"),
	}
	for _, p := range addrFiles {
		af, err := locate.ReadAddressFile(p)
		if err != nil {
			t.Errorf("address file: %v", err)
			continue
		}
		if af.Addr != f.srv.Sinful() || af.Version != security.DefaultVersion || af.Platform != platformString() {
			t.Errorf("%s: %+v", p, af)
		}
	}
	adFile := filepath.Join(f.dir, "spool", ".schedd_classad")
	if ad, err := locate.ReadDaemonAdFile(adFile); err != nil || mustStr(ad, "Name") != "schedd@vm" || mustStr(ad, "ScheddIpAddr") != f.srv.Sinful() {
		t.Errorf("schedd ad file: %v %v", ad, err)
	}

	// Create a request so that the state file exists.
	f.startRequest(t, f.tokenClient(t, alice, nil, -1), bob, "x", "", 0)
	f.stop(t)
	for _, p := range append(addrFiles, adFile) {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after shutdown (%v)", p, err)
		}
	}
	state := filepath.Join(f.dir, "spool", defaultStateFileName)
	if st, err := os.Stat(state); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("state file %s: %v %v", state, st, err)
	}
	if !strings.Contains(f.log.String(), "condor-auth daemon stopped") {
		t.Errorf("log lacks the shutdown line")
	}
}

// TestServeContext: cancelling Serve's context shuts the daemon down.
func TestServeContext(t *testing.T) {
	f := newFixture(t, "")
	f.stop(t) // the fixture's own server
	srv, err := New(Options{Config: f.cfg, Logger: f.log, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	f.addr = srv.Addr().String()
	if _, err := f.call(t, f.tokenClient(t, alice, nil, -1), cmdGetSessionToken, ad(t)); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Serve returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := os.Stat(filepath.Join(f.dir, "log", ".collector_address")); !errors.Is(err, os.ErrNotExist) {
		t.Error("address file left behind")
	}
	if err := srv.Serve(context.Background()); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after shutdown: %v", err)
	}
	if err := srv.Reload(f.cfg); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Reload after shutdown: %v", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

// TestReload: a new configuration applies to new connections; a broken
// one is refused and the old one stays.
func TestReload(t *testing.T) {
	f := newFixture(t, "")
	c := f.tokenClient(t, alice, nil, -1)
	wantNoError(t, f.mustCall(t, c, cmdGetSessionToken, ad(t)))

	bad := f.loadConfig(t, f.cfgText+"SEC_ISSUED_TOKEN_EXPIRATION = soon\n")
	if err := f.srv.Reload(bad); err == nil || !strings.Contains(err.Error(), "SEC_ISSUED_TOKEN_EXPIRATION") {
		t.Errorf("Reload of a bad configuration: %v", err)
	}
	wantNoError(t, f.mustCall(t, c, cmdGetSessionToken, ad(t)))

	if err := f.srv.Reload(f.loadConfig(t, f.cfgText+"SEC_ENABLE_TOKEN_FETCH = false\nSCHEDD_NAME = other\n")); err != nil {
		t.Fatal(err)
	}
	wantError(t, f.mustCall(t, c, cmdGetSessionToken, ad(t)), 44, "Token fetch disabled.")
	ad, err := locate.ReadDaemonAdFile(filepath.Join(f.dir, "spool", ".schedd_classad"))
	if err != nil || mustStr(ad, "Name") != "other@vm" {
		t.Errorf("schedd ad file after reload: %v %v", ad, err)
	}
	// The POOL key is created again if it went missing (RB-45).
	kc := f.keys(t)
	if err := os.Remove(kc.PoolKeyFile); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.Reload(f.cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(kc.PoolKeyFile); err != nil {
		t.Errorf("POOL key not recreated: %v", err)
	}
}

// TestNewErrors: configuration problems name their cause.
func TestNewErrors(t *testing.T) {
	f := newFixture(t, "")
	load := func(text string) *config.Config { return f.loadConfig(t, text) }
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no configuration", Options{}, "no configuration"},
		{"no LOCAL_DIR", Options{Config: load("LOCAL_DIR =\nCOLLECTOR_HOST = 127.0.0.1:0\n")}, "LOCAL_DIR is not set"},
		{"state file in use", Options{Config: f.cfg}, "in use by another process"},
		{"address in use", Options{Config: load(f.cfgText + "CONDOR_AUTH_TOKEN_REQUEST_STATE_FILE = " + filepath.Join(f.dir, "other.json") + "\n"),
			Listen: f.addr}, "address is in use"},
		{"bad revocation expression", Options{Config: load(f.cfgText + "SEC_TOKEN_REVOCATION_EXPR = (((\n")}, "SEC_TOKEN_REVOCATION_EXPR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := New(tc.opts)
			if err == nil {
				_ = srv.Shutdown(context.Background())
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestLogLines: one line per command with peer, identity, command and
// answer, never the token.
func TestLogLines(t *testing.T) {
	f := newFixture(t, "")
	rep := f.mustCall(t, f.tokenClient(t, alice, nil, -1), cmdGetSessionToken, ad(t, attrRequestedKey, "nosuch"))
	wantError(t, rep, 3, "Server will not sign with requested key.")
	rep = f.mustCall(t, f.tokenClient(t, alice, nil, -1), cmdGetSessionToken, ad(t))
	tok := mustStr(rep, attrToken)
	f.stop(t)
	log := f.log.String()
	for _, re := range []string{
		`(?m)^\d\d/\d\d/\d\d \d\d:\d\d:\d\d peer=127\.0\.0\.1:\d+ cmd=60046\(DC_GET_SESSION_TOKEN\) user="alice@example\.net" method=IDTOKENS .*result=AUTHORIZED .*reply="ErrorCode=3 ErrorString=\\"Server will not sign with requested key\.\\""`,
		`(?m)cmd=60046\(DC_GET_SESSION_TOKEN\) user="alice@example\.net" .*reply="issued token sub=\\"alice@example\.net\\" kid=POOL`,
	} {
		if !regexp.MustCompile(re).MatchString(log) {
			t.Errorf("log does not match %s:\n%s", re, log)
		}
	}
	sig := tok[strings.LastIndexByte(tok, '.')+1:]
	if strings.Contains(log, sig) || strings.Contains(log, tok[:strings.LastIndexByte(tok, '.')]) {
		t.Error("the log contains the token")
	}
}

// TestNopAndSecQuery: the DC_NOP_* levels and DC_SEC_QUERY (ping).
func TestNopAndSecQuery(t *testing.T) {
	f := newFixture(t, "")
	c := f.tokenClient(t, alice, nil, -1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.Dial(ctx, "tcp", f.addr, security.Request{Command: security.DCSecQuery, AuthCommand: security.DCNopWrite}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Stream.Close()
	if ok, _ := r.SecQuery.GetBool("AuthorizationSucceeded"); !ok || r.MyIdentity != alice || r.Method != "IDTOKENS" {
		t.Errorf("WRITE ping: %v as %s by %s", r.SecQuery, r.MyIdentity, r.Method)
	}
	if _, err := c.Dial(ctx, "tcp", f.addr, security.Request{Command: security.DCSecQuery, AuthCommand: dcNopDaemon}, nil); !errors.Is(err, security.ErrDenied) {
		t.Errorf("DAEMON ping by alice: %v, want ErrDenied", err)
	}
	r, err = c.Dial(ctx, "tcp", f.addr, security.Request{Command: dcNopRead}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Stream.Close()
}

// TestReloadUnderLoad: reloads while clients fetch; every command on
// either side of a reload is answered.
func TestReloadUnderLoad(t *testing.T) {
	f := newFixture(t, "")
	stop := make(chan struct{})
	errs := make(chan error, 64)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		c := f.tokenClient(t, alice, nil, -1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rep, err := f.call(t, c, cmdGetSessionToken, ad(t))
				if err == nil && !rep.Has(attrToken) {
					err = errors.New("no token: " + rep.String())
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < 5; i++ {
		time.Sleep(20 * time.Millisecond)
		if err := f.srv.Reload(f.loadConfig(t, f.cfgText)); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestFSAuthentication: a local tool authenticates by FS as its own user
// (cedar.md §5.6) and fetches a token for that identity.
func TestFSAuthentication(t *testing.T) {
	f := newFixture(t, "")
	u, err := osuser.LookupUid(os.Getuid())
	if err != nil || u.Name == "" {
		t.Skipf("no passwd entry for uid %d", os.Getuid())
	}
	c := client(t, "FS", fs.NewClient(fs.ClientConfig{ServiceAccount: func() (fs.Account, error) { return fs.Account{}, errors.New("none") }}))
	rep := f.mustCall(t, c, cmdGetSessionToken, ad(t))
	wantNoError(t, rep)
	if sub := f.parseToken(t, mustStr(rep, attrToken)).Claims.Sub; sub != u.Name+"@"+domain {
		t.Errorf("sub = %q, want %s@%s", sub, u.Name, domain)
	}
}

// TestIssuerKeysRefresh: TrustDomain and IssuerKeys are advertised, and a
// signing key added while the daemon runs is advertised and usable
// without a reconfig (tokens.md §6.4).
func TestIssuerKeysRefresh(t *testing.T) {
	defer func(d time.Duration) { keyRefreshInterval = d }(keyRefreshInterval)
	keyRefreshInterval = 10 * time.Millisecond
	f := newFixture(t, "")
	ping := func(c *security.Client) (*security.Result, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r, err := c.Dial(ctx, "tcp", f.addr, security.Request{Command: security.DCSecQuery, AuthCommand: security.DCNopWrite}, nil)
		if err == nil {
			r.Stream.Close()
		}
		return r, err
	}
	r, err := ping(f.tokenClient(t, alice, nil, -1))
	if err != nil {
		t.Fatal(err)
	}
	if r.TrustDomain != domain || strings.Join(r.IssuerKeys, ",") != "POOL" {
		t.Errorf("advertised TrustDomain %q, IssuerKeys %q", r.TrustDomain, r.IssuerKeys)
	}
	kc := f.keys(t)
	if err := idtoken.WriteKeyFile(filepath.Join(kc.PasswordDir, "extra"), []byte("another key")); err != nil {
		t.Fatal(err)
	}
	tok, err := kc.Create(idtoken.MintOptions{Issuer: domain, Subject: bob, KeyID: "extra", Lifetime: -1, Now: f.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, "TOKEN", token.NewClient(token.ClientConfig{Tokens: []string{tok}, NoDirectory: true, TrustDomain: domain, Uid: -1}))
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := ping(c)
		if err == nil && r.MyIdentity == bob && strings.Join(r.IssuerKeys, ",") == "POOL,extra" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new key is not used: %v %v", r, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(f.log.String(), "signing keys now advertised: POOL, extra") {
		t.Errorf("log lacks the key change")
	}
}
