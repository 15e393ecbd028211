package server

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/anonymous"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/claimtobe"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/token"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
	"github.com/condor-auth/condor-auth/pkg/knobs"
)

const (
	domain = "example.net"
	alice  = "alice@example.net"
	bob    = "bob@example.net"
	admin  = "admin@example.net"
)

// baseConfig is the pool configuration of the tests: loopback, an
// ephemeral port, HTCondor's "recommended" security levels, every method,
// condor@ as DAEMON and admin@ as ADMINISTRATOR.
const baseConfig = `
LOCAL_DIR = {DIR}
COLLECTOR_HOST = 127.0.0.1:0
UID_DOMAIN = example.net
TRUST_DOMAIN = example.net
SEC_DEFAULT_AUTHENTICATION = REQUIRED
SEC_DEFAULT_ENCRYPTION = REQUIRED
SEC_DEFAULT_INTEGRITY = REQUIRED
SEC_READ_AUTHENTICATION = OPTIONAL
SEC_DEFAULT_AUTHENTICATION_METHODS = TOKEN, FS, SSL, CLAIMTOBE, ANONYMOUS
ALLOW_READ = *
ALLOW_WRITE = *
ALLOW_DAEMON = condor@example.net
ALLOW_ADMINISTRATOR = admin@example.net
FS_LOCAL_DIR = {DIR}/fs
FS_ROOT_TO_CONDOR = false
SEC_CREDENTIAL_DIRECTORY_OAUTH = {DIR}/oauth
LOCAL_CONFIG_DIR_EXCLUDE_REGEXP = ^((\..*)|(.*~)|(#.*))$
CONDOR_AUTH_TOKEN_REQUEST_RATE = 0
SCHEDD_NAME = schedd@vm
`

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixture is a running daemon in a temporary LOCAL_DIR.
type fixture struct {
	dir     string
	cfgText string
	cfg     *config.Config
	clock   *clock
	log     *syncBuffer
	srv     *Server
	addr    string
	served  chan error
}

// newFixture starts a daemon with baseConfig plus extra lines.
func newFixture(t testing.TB, extra string) *fixture {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"fs", "oauth"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{dir: dir, clock: &clock{t: time.Unix(1795640000, 0)}, log: &syncBuffer{}}
	f.cfgText = strings.ReplaceAll(baseConfig+extra, "{DIR}", dir)
	f.cfg = f.loadConfig(t, f.cfgText)
	f.start(t)
	t.Cleanup(func() { f.stop(t) })
	return f
}

func (f *fixture) loadConfig(t testing.TB, text string) *config.Config {
	t.Helper()
	p := filepath.Join(f.dir, "condor_config")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Subsystem: "COLLECTOR", ConfigFile: p, Env: []string{}, Hostname: "vm"})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// start runs New and Serve.
func (f *fixture) start(t testing.TB) {
	t.Helper()
	srv, err := New(Options{Config: f.cfg, Logger: f.log, Now: f.clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.srv, f.addr, f.served = srv, srv.Addr().String(), make(chan error, 1)
	go func() { f.served <- srv.Serve(context.Background()) }()
}

// stop shuts the daemon down (idempotent).
func (f *fixture) stop(t testing.TB) {
	t.Helper()
	if f.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-f.served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
	f.srv = nil
}

// keys is the signing-key configuration of the pool.
func (f *fixture) keys(t testing.TB) idtoken.KeyConfig {
	t.Helper()
	kc, err := knobs.Keys(f.cfg, -1)
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

// mint returns a POOL token for sub.
func (f *fixture) mint(t testing.TB, sub string, authz []string, lifetime int64) string {
	t.Helper()
	tok, err := f.keys(t).Create(idtoken.MintOptions{Issuer: domain, Subject: sub, Authz: authz, Lifetime: lifetime, Now: f.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type knobMap map[string]string

func (k knobMap) Get(name string) (string, bool) {
	v, ok := k[name]
	return v, ok && v != ""
}

// client returns a tool-side security client offering methods.
func client(t testing.TB, methods string, m ...auth.Client) *security.Client {
	t.Helper()
	k := knobMap{"SEC_CLIENT_AUTHENTICATION_METHODS": methods, "TRUST_DOMAIN": domain}
	p, err := security.ClientPolicy(k, "TOOL")
	if err != nil {
		t.Fatal(err)
	}
	return &security.Client{Policy: p, Methods: m}
}

// tokenClient authenticates with a fresh POOL token for sub.
func (f *fixture) tokenClient(t testing.TB, sub string, authz []string, lifetime int64) *security.Client {
	t.Helper()
	tok := f.mint(t, sub, authz, lifetime)
	return client(t, "TOKEN", token.NewClient(token.ClientConfig{Tokens: []string{tok}, NoDirectory: true, TrustDomain: domain, Uid: -1}))
}

// claimClient claims to be user (CLAIMTOBE).
func claimClient(t testing.TB, user string) *security.Client {
	t.Helper()
	u, d, _ := strings.Cut(user, "@")
	return client(t, "CLAIMTOBE", claimtobe.NewClient(claimtobe.ClientOptions{User: u, Domain: d, IncludeDomain: true}))
}

// anonClient authenticates with ANONYMOUS (no mapped identity).
func anonClient(t testing.TB) *security.Client {
	t.Helper()
	return client(t, "ANONYMOUS", anonymous.Client{})
}

// dial starts cmd on a new connection.
func (f *fixture) dial(t testing.TB, c *security.Client, cmd int) (*security.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return c.Dial(ctx, "tcp", f.addr, security.Request{Command: cmd}, nil)
}

// ad builds a request ad from name/value pairs (string, int or int64).
func ad(t testing.TB, kv ...any) *classad.Ad {
	t.Helper()
	a := classad.NewAd()
	for i := 0; i+1 < len(kv); i += 2 {
		name := kv[i].(string)
		switch v := kv[i+1].(type) {
		case string:
			_ = a.SetString(name, v)
		case int:
			_ = a.SetInt(name, int64(v))
		case int64:
			_ = a.SetInt(name, v)
		case bool:
			_ = a.SetBool(name, v)
		default:
			t.Fatalf("ad: unsupported value %T", v)
		}
	}
	return a
}

func sendAd(s *cedar.Stream, a *classad.Ad) error {
	if err := s.PutAdLines(a.AssignmentLines(classad.FlatMapOrder), "", ""); err != nil {
		return err
	}
	return s.EndOfMessage()
}

func recvAd(s *cedar.Stream) (*classad.Ad, error) {
	lines, _, _, err := s.GetAdLines()
	if err != nil {
		return nil, err
	}
	if err := s.EndOfMessage(); err != nil {
		return nil, err
	}
	return classad.ParseLines(lines)
}

// call runs cmd with one request ad and returns the one reply ad.
func (f *fixture) call(t testing.TB, c *security.Client, cmd int, req *classad.Ad) (*classad.Ad, error) {
	t.Helper()
	r, err := f.dial(t, c, cmd)
	if err != nil {
		return nil, err
	}
	defer r.Stream.Close()
	if err := sendAd(r.Stream, req); err != nil {
		return nil, err
	}
	return recvAd(r.Stream)
}

// mustCall is call that fails the test on a transport error.
func (f *fixture) mustCall(t testing.TB, c *security.Client, cmd int, req *classad.Ad) *classad.Ad {
	t.Helper()
	rep, err := f.call(t, c, cmd, req)
	if err != nil {
		t.Fatalf("command %d: %v", cmd, err)
	}
	return rep
}

// list runs DC_LIST_TOKEN_REQUEST and returns the request ads and the
// terminator.
func (f *fixture) list(t testing.TB, c *security.Client, filter string) ([]*classad.Ad, *classad.Ad, error) {
	t.Helper()
	r, err := f.dial(t, c, cmdListTokenRequest)
	if err != nil {
		return nil, nil, err
	}
	defer r.Stream.Close()
	req := classad.NewAd()
	if filter != "" {
		_ = req.SetString(attrRequestID, filter)
	}
	if err := sendAd(r.Stream, req); err != nil {
		return nil, nil, err
	}
	var out []*classad.Ad
	for {
		a, err := recvAd(r.Stream)
		if err != nil {
			return out, nil, err
		}
		if o, ok := a.GetInt(attrOwner); ok && o == 0 {
			return out, a, nil
		}
		out = append(out, a)
	}
}

// wantError checks an {ErrorCode, ErrorString} reply.
func wantError(t testing.TB, rep *classad.Ad, code int, msg string) {
	t.Helper()
	c, ok := rep.GetInt(attrErrorCode)
	s, _ := rep.GetString(attrErrorString)
	if !ok || c != int64(code) || s != msg {
		t.Errorf("reply %s\nwant ErrorCode = %d, ErrorString = %q", strings.TrimSpace(rep.String()), code, msg)
	}
}

// wantNoError checks that a reply has no ErrorString.
func wantNoError(t testing.TB, rep *classad.Ad) {
	t.Helper()
	if s, ok := rep.GetString(attrErrorString); ok {
		c, _ := rep.GetInt(attrErrorCode)
		t.Fatalf("unexpected error reply %d: %s", c, s)
	}
}

// parseToken decodes and verifies a token with the pool's keys.
func (f *fixture) parseToken(t testing.TB, tok string) *idtoken.Token {
	t.Helper()
	parsed, err := idtoken.Verify(tok, idtoken.VerifyOptions{Keys: f.keys(t), Now: f.clock.Now()})
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	return parsed
}

// memConn is an in-memory connection: reads come from r, writes go to w.
type memConn struct {
	r *bytes.Reader
	w *bytes.Buffer
}

func (m memConn) Read(p []byte) (int, error)  { return m.r.Read(p) }
func (m memConn) Write(p []byte) (int, error) { return m.w.Write(p) }

// memStream returns a plaintext stream that reads the framed bytes in and
// writes to out.
func memStream(t testing.TB, in []byte, out *bytes.Buffer) *cedar.Stream {
	t.Helper()
	s, err := cedar.NewStream(memConn{r: bytes.NewReader(in), w: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// frame encodes one message with put (plaintext CEDAR framing).
func frame(t testing.TB, put func(s *cedar.Stream) error) []byte {
	t.Helper()
	var out bytes.Buffer
	s := memStream(t, nil, &out)
	if err := put(s); err != nil {
		t.Fatal(err)
	}
	if err := s.EndOfMessage(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
