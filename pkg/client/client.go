package client

import (
	"context"
	"crypto/ecdh"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/ssl"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// Timeouts of the C++ tools (tokens.md §0): every token method connects
// with a 5 s socket timeout and starts the command with a 20 s timeout,
// which then stays the socket's timeout for the payload.
const (
	// DefaultConnectTimeout bounds the TCP connect when Target.Timeout is 0.
	DefaultConnectTimeout = 5 * time.Second
	// DefaultIOTimeout bounds each packet read or written after the
	// handshake.
	DefaultIOTimeout = 20 * time.Second
)

// Limits on what a daemon may send back (cedar.Config).
const (
	// MaxReplyMessage bounds one received message: a reply ad, or a whole
	// collector query reply.
	MaxReplyMessage = 16 << 20
	// MaxReplyAttributes bounds the attribute count of a received ad.
	MaxReplyAttributes = 65536
	// MaxListedRequests bounds the request ads of one DC_LIST_TOKEN_REQUEST
	// reply (a daemon stores at most 1000, tokens.md §8.1).
	MaxListedRequests = 100000
	// MaxQueryAds bounds the ads of one collector query reply.
	MaxQueryAds = locate.DefaultMaxReplyAds
)

// processSessions is the session cache shared by every Client that is not
// given its own, so that consecutive calls of one process resume sessions
// like the C++ SecMan's static cache.
var processSessions = security.NewSessionCache(0)

// Options configure a Client.
type Options struct {
	// Config is the HTCondor configuration (subsystem TOOL).
	Config *config.Config
	// Uid is the real uid (token and key files must be owned by it);
	// Euid the effective uid (0 = root: super-user daemon addresses, the
	// system token directory and known_hosts, FS as the service account).
	Uid, Euid int
	// Home is the user's home directory (~/.condor/tokens.d and
	// ~/.condor/known_hosts for non-root users).
	Home string
	// Now is the clock (nil = time.Now); Rand the randomness source for
	// resume nonces, AES IVs and the authentication methods (nil =
	// crypto/rand). A Client used from several goroutines needs a Rand
	// that is safe for concurrent use.
	Now  func() time.Time
	Rand io.Reader
	// Explain receives `ping --explain` notes (why a method or token was
	// or was not used); nil discards them. Notes never contain secrets.
	Explain func(format string, args ...any)
	// Debug receives -debug output, one D_SECURITY-like line per event;
	// nil discards it.
	Debug io.Writer
	// Prompt asks whether to trust a server certificate that did not
	// verify (BOOTSTRAP_SSL_SERVER_TRUST_PROMPT_USER); nil means a
	// non-interactive run, which refuses such a certificate and records it
	// as untrusted in known_hosts (real-tools.md §17).
	Prompt func(ssl.UntrustedCert) bool
	// Sessions caches negotiated sessions for resumption; nil means the
	// process-wide cache.
	Sessions *security.SessionCache
}

// Target says which daemon a call goes to, like the tools' -type, -name
// and -pool options.
type Target struct {
	// Type is the daemon type ("schedd", "collector", "credd", …,
	// case-insensitive); "" means the command's default.
	Type string
	// Name is the daemon's name, host:port or a sinful string.
	Name string
	// Pool is the collector to locate the daemon through.
	Pool string
	// Timeout bounds the whole call (location, connect, handshake and
	// payload); 0 means the C++ tools' per-step timeouts only.
	Timeout time.Duration
}

// Client performs the tools' CEDAR commands. It is safe for concurrent use
// when Options.Rand is (Debug lines are written one at a time).
type Client struct {
	opts     Options
	cfg      *config.Config
	policy   *security.Policy
	methods  []auth.Client // in policy order; SSL gets the host alias per call
	sessions *security.SessionCache
	locator  *locate.Locator
	ipv4     bool
	ipv6     bool
	debugMu  sync.Mutex
	h        hooks
}

// hooks replace parts of the client in tests (transcript replay); the
// zero value is production behaviour.
type hooks struct {
	// dial replaces the TCP dialer.
	dial func(ctx context.Context, network, address string) (net.Conn, error)
	// ivRand supplies the base IVs of a new stream.
	ivRand func() io.Reader
	// ecdhKey supplies the ECDH keys of new sessions.
	ecdhKey func() (*ecdh.PrivateKey, error)
	// policy adjusts the security policy of a call.
	policy func(*security.Policy)
	// methods replaces the authentication methods of a call.
	methods func() []auth.Client
	// pid and version replace ServerPid and RemoteVersion.
	pid     int
	version string
	// sendPacket is the plaintext packet size (cedar.CxxSendPacketSize to
	// reproduce C++ packetization).
	sendPacket int
	// open replaces location, connect and handshake: the command's payload
	// runs on the returned connection (fuzzing the reply decoders).
	open func(ctx context.Context, sp startSpec) (*conn, error)
}

// New builds a client from the configuration: the client security policy
// (security.ClientPolicy for subsystem TOOL), the authentication methods of
// SEC_CLIENT_AUTHENTICATION_METHODS that this implementation has (FS,
// TOKEN, SSL, CLAIMTOBE, ANONYMOUS), and the daemon locator. Errors name
// the knob that is wrong.
func New(opts Options) (*Client, error) {
	if opts.Config == nil {
		return nil, errors.New("client: Options.Config is nil")
	}
	c := &Client{opts: opts, cfg: opts.Config, sessions: opts.Sessions}
	if c.sessions == nil {
		c.sessions = processSessions
	}
	pol, err := security.ClientPolicy(opts.Config, "TOOL")
	if err != nil {
		return nil, fmt.Errorf("client security policy: %w", err)
	}
	c.policy = pol
	if err := c.buildMethods(); err != nil {
		return nil, err
	}
	c.ipv4 = c.knobBoolLoose("ENABLE_IPV4", true)
	c.ipv6 = c.knobBoolLoose("ENABLE_IPV6", true)
	c.locator = &locate.Locator{Knobs: opts.Config, Querier: querier{c}, IsRoot: opts.Euid == 0}
	return c, nil
}

// knobBoolLoose reads a boolean knob whose value may also be "auto"
// (ENABLE_IPV4/6): anything that is not false counts as true.
func (c *Client) knobBoolLoose(name string, def bool) bool {
	v, ok := c.cfg.Get(name)
	if !ok {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "false", "no", "0", "f", "n":
		return false
	}
	return true
}

func (c *Client) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// debugf writes one -debug line, prefixed like HTCondor's dprintf.
func (c *Client) debugf(format string, args ...any) {
	if c.opts.Debug == nil {
		return
	}
	line := c.now().Format("01/02/06 15:04:05 ") + fmt.Sprintf(format, args...)
	line = strings.TrimRight(line, "\n") + "\n"
	c.debugMu.Lock()
	defer c.debugMu.Unlock()
	_, _ = io.WriteString(c.opts.Debug, line)
}

// daemonType returns the type of t, or def when t.Type is empty.
func daemonType(t Target, def locate.DaemonType) (locate.DaemonType, error) {
	if t.Type == "" {
		return def, nil
	}
	dt, ok := locate.ParseDaemonType(t.Type)
	if !ok || dt == locate.TypeNone {
		return 0, &locate.ToolError{Line: "ERROR: unrecognized daemon type: " + t.Type}
	}
	return dt, nil
}

// callContext applies Target.Timeout to ctx.
func callContext(ctx context.Context, t Target) (context.Context, context.CancelFunc) {
	if t.Timeout > 0 {
		return context.WithTimeout(ctx, t.Timeout)
	}
	return context.WithCancel(ctx)
}

// locateTarget finds the daemon of t the way the token tools do
// (locate.Locator.LocateForTool; *locate.ToolError on failure).
func (c *Client) locateTarget(ctx context.Context, t Target, def locate.DaemonType) (*locate.Location, error) {
	dt, err := daemonType(t, def)
	if err != nil {
		return nil, err
	}
	loc, err := c.locator.LocateForTool(ctx, dt, t.Name, t.Pool)
	if err != nil {
		c.debugf("Failed to locate %s %q (pool %q): %v", dt, t.Name, t.Pool, err)
		return nil, err
	}
	c.debugf("Located %s at %s (%s %s)", dt, loc.Addr, loc.Source, loc.Detail)
	return loc, nil
}
