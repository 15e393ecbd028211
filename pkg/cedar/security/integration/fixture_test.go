package integration

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/authz"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/anonymous"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/claimtobe"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/fs"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/ssl"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/token"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
	"github.com/condor-auth/condor-auth/pkg/knobs"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

const (
	trustDomain = "example.net"
	// hostAlias is the daemon's name in its host certificate and the
	// alias the SSL client expects (cedar.md §5.5, pitfall 31).
	hostAlias = "testd.example.net"
	// tokenUser is the subject of the token in the token directory.
	tokenUser = "alice@example.net"
	// claimUser is what the CLAIMTOBE client claims.
	claimUser = "carol"
)

// Test commands. Each handler answers with what the server saw, so both
// ends of a handshake can be checked.
const (
	cmdRead  = 61001 // TEST_WHOAMI_READ, READ
	cmdWrite = 61002 // TEST_WHOAMI_WRITE, WRITE
	cmdAdmin = 61003 // TEST_WHOAMI_ADMIN, ADMINISTRATOR
	cmdForce = 61004 // TEST_WHOAMI_FORCE, WRITE with force_authentication
)

// allMethods is the server's method list, in its preference order.
const allMethods = "FS,TOKEN,SSL,CLAIMTOBE,ANONYMOUS"

// pool is an HTCondor pool's security material in a temporary
// directory: a POOL signing key, a token directory holding a token for
// tokenUser, a pool CA and host certificate made by ssl.Bootstrap, a client
// certificate signed by that CA, and the FS directory.
type pool struct {
	dir        string
	passwords  string // SEC_PASSWORD_DIRECTORY
	tokens     string // SEC_TOKEN_DIRECTORY
	fsDir      string // FS_LOCAL_DIR
	caFile     string
	caKey      string
	hostCert   string
	hostKey    string
	clientCert string // subject /O=condor/CN=client.example.net
	clientKey  string
	keys       idtoken.KeyConfig
	n          atomic.Int64 // configuration file counter
}

// clientSubject is the SSL authenticated name of the client certificate.
const clientSubject = "/O=condor/CN=client.example.net"

// newPool creates the pool's files the way a collector and an
// administrator would: CreatePoolKey, condor_token_create into the token
// directory, ssl.Bootstrap.
func newPool(t testing.TB) *pool {
	t.Helper()
	dir := t.TempDir()
	p := &pool{dir: dir, passwords: filepath.Join(dir, "passwords.d"), tokens: filepath.Join(dir, "tokens.d"),
		fsDir: filepath.Join(dir, "fs")}
	for _, d := range []string{p.tokens, p.fsDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if created, err := idtoken.CreatePoolKey(filepath.Join(p.passwords, "POOL"), nil); err != nil || !created {
		t.Fatalf("CreatePoolKey: %v, %v", created, err)
	}
	p.keys = idtoken.KeyConfig{PoolKeyFile: filepath.Join(p.passwords, "POOL"), PasswordDir: p.passwords, Uid: os.Getuid()}
	p.writeToken(t, "alice", idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Lifetime: 3600})

	bc := ssl.DefaultBootstrapConfig(filepath.Join(dir, "etc"), trustDomain, hostAlias)
	if _, err := ssl.Bootstrap(bc); err != nil {
		t.Fatalf("ssl.Bootstrap: %v", err)
	}
	p.caFile, p.caKey, p.hostCert, p.hostKey = bc.CAFile, bc.CAKeyFile, bc.CertFile, bc.KeyFile
	p.clientCert, p.clientKey = p.issueClientCert(t)
	return p
}

// writeToken mints a token with the pool's keys and stores it in the
// token directory as name (condor_token_create -token name).
func (p *pool) writeToken(t testing.TB, name string, o idtoken.MintOptions) string {
	t.Helper()
	tok, err := p.keys.Create(o)
	if err != nil {
		t.Fatalf("minting %s: %v", name, err)
	}
	if err := idtoken.WriteTokenFile(filepath.Join(p.tokens, name), tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

// replaceTokens empties the token directory and stores tok as its only
// token.
func (p *pool) replaceTokens(t testing.TB, toks ...string) {
	t.Helper()
	entries, err := os.ReadDir(p.tokens)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(p.tokens, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	for i, tok := range toks {
		if err := idtoken.WriteTokenFile(filepath.Join(p.tokens, fmt.Sprintf("tok%d", i)), tok); err != nil {
			t.Fatal(err)
		}
	}
}

// issueClientCert signs a client certificate (clientAuth) with the pool CA.
func (p *pool) issueClientCert(t testing.TB) (certFile, keyFile string) {
	t.Helper()
	ca := readPEM(t, p.caFile, "CERTIFICATE")
	caCert, err := x509.ParseCertificate(ca)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParsePKCS8PrivateKey(readPEM(t, p.caKey, "PRIVATE KEY"))
	if err != nil {
		t.Fatal(err)
	}
	caKey, ok := k.(crypto.Signer)
	if !ok {
		t.Fatalf("CA key %T is not a signer", k)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(4242),
		Subject:      pkix.Name{Organization: []string{"condor"}, CommonName: "client.example.net"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(p.dir, "client.crt"), filepath.Join(p.dir, "client.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func readPEM(t testing.TB, path, typ string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		if b.Type == typ {
			return b.Bytes
		}
	}
	t.Fatalf("no %s block in %s", typ, path)
	return nil
}

// config writes the pool's base configuration plus extra and loads it for
// subsystem, as a daemon or tool would read its condor_config.
func (p *pool) config(t testing.TB, subsystem, extra string) *config.Config {
	t.Helper()
	text := strings.Join([]string{
		"TRUST_DOMAIN = " + trustDomain,
		"UID_DOMAIN = " + trustDomain,
		"SEC_PASSWORD_DIRECTORY = " + p.passwords,
		"SEC_TOKEN_POOL_SIGNING_KEY_FILE = $(SEC_PASSWORD_DIRECTORY)/POOL",
		"SEC_TOKEN_DIRECTORY = " + p.tokens,
		"FS_LOCAL_DIR = " + p.fsDir,
		"SEC_DEFAULT_AUTHENTICATION_METHODS = " + allMethods,
		"SEC_CLAIMTOBE_USER = " + claimUser,
		"AUTH_SSL_SERVER_CERTFILE = " + p.hostCert,
		"AUTH_SSL_SERVER_KEYFILE = " + p.hostKey,
		"AUTH_SSL_SERVER_CAFILE = " + p.caFile,
		"AUTH_SSL_CLIENT_CAFILE = " + p.caFile,
		"ALLOW_READ = *",
		"ALLOW_WRITE = *",
		"ALLOW_ADMINISTRATOR = *",
		extra,
	}, "\n") + "\n"
	path := filepath.Join(p.dir, fmt.Sprintf("condor_config.%d", p.n.Add(1)))
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Subsystem: subsystem, ConfigFile: path, Env: []string{}, Hostname: "testd"})
	if err != nil {
		t.Fatalf("loading %s configuration: %v\n%s", subsystem, err, text)
	}
	return cfg
}

// boolKnob reads a boolean knob or fails the test.
func boolKnob(t testing.TB, cfg *config.Config, name string, def bool) bool {
	t.Helper()
	v, err := cfg.Bool(name, def)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// sameAccount keeps a root FS client's directory owned by root (no chown
// to a condor account that may not exist here), so the identity is the
// current user.
func sameAccount() (fs.Account, error) {
	return fs.Account{Uid: os.Geteuid(), Gid: os.Getegid()}, nil
}

// fsUser is the FS identity of this process: its login name at the
// trust domain.
func fsUser(t testing.TB) string {
	t.Helper()
	u, err := osuser.LookupUid(os.Geteuid())
	if err != nil || u.Name == "" {
		t.Skipf("uid %d is not in the password file, FS cannot name it: %v", os.Geteuid(), err)
	}
	return u.Name + "@" + trustDomain
}

// policyAuthorizer adapts an authz.Policy to daemon.Authorizer; the
// daemon applies the token scope bound itself.
type policyAuthorizer struct{ p *authz.Policy }

func (a policyAuthorizer) Authorize(perm string, id auth.Identity, peer net.Addr) (bool, string) {
	return a.p.Authorize(perm, id.FQU(), daemon.PeerIP(peer), nil)
}

// server is a running daemon with the real methods.
type server struct {
	addr    string
	srv     *daemon.Server
	mu      sync.Mutex
	entries []daemon.LogEntry
}

// serverMethods builds the server side of every method from cfg, as the
// embedded daemon does.
func (p *pool) serverMethods(t testing.TB, cfg *config.Config) []auth.Server {
	t.Helper()
	kc, err := knobs.Keys(cfg, os.Getuid())
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := knobs.Revocation(cfg)
	if err != nil {
		t.Fatal(err)
	}
	maxAge, err := cfg.Int("SEC_TOKEN_MAX_AGE", 0)
	if err != nil {
		t.Fatal(err)
	}
	return []auth.Server{
		fs.NewServer(fs.ServerConfig{Dir: cfg.Lookup("FS_LOCAL_DIR"), UIDDomain: cfg.Lookup("UID_DOMAIN")}),
		token.NewServer(token.ServerConfig{Keys: kc, Revoked: revoked, MaxAge: maxAge}),
		ssl.NewServer(ssl.Options{
			ServerCertFile: cfg.Lookup("AUTH_SSL_SERVER_CERTFILE"), ServerKeyFile: cfg.Lookup("AUTH_SSL_SERVER_KEYFILE"),
			ServerCAFile: cfg.Lookup("AUTH_SSL_SERVER_CAFILE"), ServerSkipDefaultCAs: true,
			RequireClientCertificate: boolKnob(t, cfg, "AUTH_SSL_REQUIRE_CLIENT_CERTIFICATE", false),
		}),
		claimtobe.NewServer(claimtobe.ServerOptions{UIDDomain: cfg.Lookup("UID_DOMAIN"),
			IncludeDomain: boolKnob(t, cfg, "SEC_CLAIMTOBE_INCLUDE_DOMAIN", true)}),
		anonymous.Server{},
	}
}

// whoami answers with the server's view of the connection:
// "<identity>|<method>|<encrypted>".
func whoami(_ context.Context, r *daemon.Request) error {
	fqu := security.UnauthenticatedUser
	if r.Authenticated && r.Identity.FQU() != "" {
		fqu = r.Identity.FQU()
	}
	if err := r.Stream.PutString(fmt.Sprintf("%s|%s|%v", fqu, r.Method, r.Encrypted)); err != nil {
		return err
	}
	return r.Stream.EndOfMessage()
}

// startServer runs a daemon for the pool's configuration plus extra
// (subsystem COLLECTOR). mod may adjust the daemon configuration.
func (p *pool) startServer(t testing.TB, extra string, mod func(*daemon.Config)) *server {
	t.Helper()
	cfg := p.config(t, "COLLECTOR", extra)
	ps, err := security.ServerPolicies(cfg, "COLLECTOR")
	if err != nil {
		t.Fatalf("ServerPolicies: %v", err)
	}
	kc, err := knobs.Keys(cfg, os.Getuid())
	if err != nil {
		t.Fatal(err)
	}
	for _, pol := range ps {
		pol.IssuerKeys = kc.IssuerKeys()
	}
	az, err := authz.New(cfg)
	if err != nil {
		t.Fatalf("authz.New: %v", err)
	}
	tab := daemon.NewTable()
	for _, c := range []daemon.Command{
		{Num: cmdRead, Name: "TEST_WHOAMI_READ", Perm: "READ", Handler: whoami},
		{Num: cmdWrite, Name: "TEST_WHOAMI_WRITE", Perm: "WRITE", Handler: whoami},
		{Num: cmdAdmin, Name: "TEST_WHOAMI_ADMIN", Perm: "ADMINISTRATOR", Handler: whoami},
		{Num: cmdForce, Name: "TEST_WHOAMI_FORCE", Perm: "WRITE", ForceAuthentication: true, Handler: whoami},
	} {
		if err := tab.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	s := &server{}
	dc := daemon.Config{
		Commands:   tab,
		Security:   &security.Server{Policies: ps, Methods: p.serverMethods(t, cfg), Hostname: "testd", Pid: 4711},
		Authorizer: policyAuthorizer{az},
		Log:        func(e daemon.LogEntry) { s.mu.Lock(); s.entries = append(s.entries, e); s.mu.Unlock() },
	}
	if mod != nil {
		mod(&dc)
	}
	if s.srv, err = daemon.New(dc); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(l) }()
	t.Cleanup(func() {
		_ = s.srv.Close()
		if err := <-served; !errors.Is(err, daemon.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return s
}

func (s *server) log() []daemon.LogEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]daemon.LogEntry(nil), s.entries...)
}

// waitLog waits until at least n entries were logged.
func (s *server) waitLog(t testing.TB, n int) []daemon.LogEntry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if e := s.log(); len(e) >= n {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d log entries, want %d: %v", len(s.log()), n, s.log())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// clientOpts vary a client beyond its configuration.
type clientOpts struct {
	// noClientCert leaves AUTH_SSL_CLIENT_CERTFILE/KEYFILE unset.
	noClientCert bool
	// mintKeys lets the TOKEN client mint from the pool's keys.
	mintKeys bool
}

// client builds a tool's security client from the pool's configuration
// plus extra (subsystem TOOL), with every method implementation; the
// configuration decides which are offered.
func (p *pool) client(t testing.TB, extra string, o clientOpts) *security.Client {
	t.Helper()
	if !o.noClientCert {
		extra += "\nAUTH_SSL_CLIENT_CERTFILE = " + p.clientCert + "\nAUTH_SSL_CLIENT_KEYFILE = " + p.clientKey
	}
	cfg := p.config(t, "TOOL", extra)
	pol, err := security.ClientPolicy(cfg, "TOOL")
	if err != nil {
		t.Fatalf("ClientPolicy: %v", err)
	}
	dirs, err := knobs.TokenDirs(cfg, os.Geteuid() == 0, os.Getenv("HOME"))
	if err != nil {
		t.Fatal(err)
	}
	tc := token.ClientConfig{Dirs: dirs, Subsys: "TOOL", Uid: os.Getuid(), TrustDomain: knobs.TrustDomain(cfg)}
	if o.mintKeys {
		kc, err := knobs.Keys(cfg, os.Getuid())
		if err != nil {
			t.Fatal(err)
		}
		tc.Keys = &kc
		pol.IssuerKeys = kc.IssuerKeys()
	}
	return &security.Client{Policy: pol, Pid: 4242, Methods: []auth.Client{
		fs.NewClient(fs.ClientConfig{ServiceAccount: sameAccount}),
		token.NewClient(tc),
		ssl.NewClient(ssl.Options{
			ClientCAFile: cfg.Lookup("AUTH_SSL_CLIENT_CAFILE"), ClientSkipDefaultCAs: true,
			ClientCertFile: cfg.Lookup("AUTH_SSL_CLIENT_CERTFILE"), ClientKeyFile: cfg.Lookup("AUTH_SSL_CLIENT_KEYFILE"),
			HostAlias: hostAlias,
		}),
		claimtobe.NewClient(claimtobe.ClientOptions{User: cfg.Lookup("SEC_CLAIMTOBE_USER"), Domain: cfg.Lookup("UID_DOMAIN"),
			IncludeDomain: boolKnob(t, cfg, "SEC_CLAIMTOBE_INCLUDE_DOMAIN", true)}),
		anonymous.Client{},
	}}
}

// outcome is one command as both ends saw it.
type outcome struct {
	res   *security.Result
	err   error
	reply string // the handler's "<identity>|<method>|<encrypted>"
	entry daemon.LogEntry
}

// run starts cmd on a new connection, reads the handler's answer and
// waits for the server's log entry of the connection. Calls on one server
// must not overlap.
func (s *server) run(t testing.TB, c *security.Client, cmd int) outcome {
	t.Helper()
	before := len(s.log())
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var o outcome
	o.res, o.err = c.Dial(ctx, "tcp", s.addr, security.Request{Command: cmd}, nil)
	if o.err == nil {
		v, _, err := o.res.Stream.GetString()
		if err == nil {
			err = o.res.Stream.EndOfMessage()
		}
		o.reply, o.err = v, err
		_ = o.res.Stream.Close()
	}
	o.entry = s.waitLog(t, before+1)[before]
	return o
}

// errText is err's text, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// errorsIs is errors.Is.
func errorsIs(err, target error) bool { return errors.Is(err, target) }
