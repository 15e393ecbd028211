package cmdutil

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/ssl"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/iostreams"
	"github.com/condor-auth/condor-auth/pkg/locate"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// Version is stamped at build time with
// -ldflags "-X github.com/condor-auth/condor-auth/commands/cmdutil.Version=…".
var Version = "dev"

// Factory gives commands their dependencies, so tests can replace each one.
type Factory struct {
	// IOStreams are the standard streams.
	IOStreams *iostreams.IOStreams
	// Config loads the HTCondor configuration (cached after the first call).
	Config func() (*config.Config, error)
	// User returns the current user (no NSS; see pkg/osuser).
	User func() (osuser.User, error)
	// Now is the clock.
	Now func() time.Time
	// Rand is the source of randomness (jti values, keys).
	Rand io.Reader
	// Uid is the real uid that key and token files must be owned by.
	Uid int
	// Euid decides root behaviour (token directories).
	Euid int
	// Client builds the CEDAR network client (pkg/client) from the
	// configuration, uid, home, clock and randomness above. Tests replace
	// it with a fake.
	Client func(ClientOptions) (NetClient, error)
	// Debug, when set, receives the network client's debug log: the
	// legacy tools' -debug, the modern --debug. ClientOptions.Debug
	// overrides it for one client.
	Debug io.Writer
}

// ConfigOptions are the options the default Factory loads the
// configuration with; the tools run as subsystem TOOL.
var ConfigOptions = config.Options{Subsystem: "TOOL"}

// ServeConfigOptions are the options `serve` loads the configuration with:
// it plays the collector (and schedd and credd), so COLLECTOR.KNOB settings
// apply to it.
var ServeConfigOptions = config.Options{Subsystem: "COLLECTOR"}

// New returns the production Factory.
func New() *Factory {
	f := &Factory{
		IOStreams: iostreams.System(),
		Config:    CachedConfig(ConfigOptions),
		User:      osuser.Current,
		Now:       time.Now,
		Rand:      rand.Reader,
		Uid:       os.Getuid(),
		Euid:      os.Geteuid(),
	}
	f.Client = f.NewClient
	return f
}

// CachedConfig returns a loader that reads the configuration once.
func CachedConfig(opts config.Options) func() (*config.Config, error) {
	var (
		once sync.Once
		cfg  *config.Config
		err  error
	)
	return func() (*config.Config, error) {
		once.Do(func() { cfg, err = config.Load(opts) })
		return cfg, err
	}
}

// NetClient is what the network commands need from pkg/client. The
// production implementation is *client.Client; tests substitute a fake
// through Factory.Client.
type NetClient interface {
	GetSessionToken(ctx context.Context, t client.Target, authz []string, lifetime int64, key string) (string, error)
	StartTokenRequest(ctx context.Context, t client.Target, identity string, authz []string, lifetime int64, clientID string) (client.StartReply, error)
	FinishTokenRequest(ctx context.Context, t client.Target, requestID, clientID string) (string, error)
	ListTokenRequests(ctx context.Context, t client.Target, requestID string) ([]*classad.Ad, error)
	ApproveTokenRequest(ctx context.Context, t client.Target, requestID, clientID string) error
	AutoApproveTokenRequests(ctx context.Context, t client.Target, netblock string, lifetime int64) error
	StoreCred(ctx context.Context, t client.Target, req client.StoreCredRequest) (client.StoreCredReply, error)
	Ping(ctx context.Context, t client.Target, permOrCommand string) (*client.PingResult, error)
	DefaultScheddName(ctx context.Context) (string, bool)
	RemoteToken(ctx context.Context, t client.Target, schedd string, authz []string, lifetime int64) (string, error)
}

// ClientOptions are the per-command settings of a network client.
type ClientOptions struct {
	// Explain receives `ping --explain` notes as they are made; nil
	// discards them.
	Explain func(format string, args ...any)
	// Debug receives -debug output; nil discards it.
	Debug io.Writer
}

// NewClient is the production Factory.Client: a pkg/client.Client for the
// Factory's configuration, user and streams. When stdin is a terminal an
// untrusted SSL certificate is shown and the user asked whether to trust
// it, as HTCondor's tools do (real-tools.md §5.2 block R10, §17); without a
// terminal such a certificate is refused.
func (f *Factory) NewClient(o ClientOptions) (NetClient, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	home := ""
	if u, err := f.User(); err == nil {
		home = u.Home
	}
	opts := client.Options{
		Config: cfg, Uid: f.Uid, Euid: f.Euid, Home: home,
		Now: f.Now, Rand: f.Rand, Explain: o.Explain, Debug: o.Debug,
	}
	if opts.Debug == nil {
		opts.Debug = f.Debug
	}
	if f.IOStreams.IsStdinTTY() {
		opts.Prompt = f.TrustPrompt
	}
	c, err := client.New(opts)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// TrustPrompt asks on stderr whether to trust a server certificate that
// did not verify, with HTCondor's wording (ask_cert_confirmation), and
// reads answers from stdin until one is exactly "yes" or "no". End of
// input means no.
func (f *Factory) TrustPrompt(c ssl.UntrustedCert) bool {
	ios := f.IOStreams
	_ = ios.Flush()
	kind := ""
	if c.IsCA {
		kind = "CA "
	}
	fmt.Fprintf(ios.ErrOut, "The remote host %s presented an untrusted %scertificate with the following fingerprint:\n", c.Host, kind)
	fmt.Fprintf(ios.ErrOut, "SHA-256: %s\n", c.Fingerprint)
	fmt.Fprintf(ios.ErrOut, "Subject: %s\n", c.Subject)
	fmt.Fprintf(ios.ErrOut, "Would you like to trust this server for current and future communications?\n")
	for {
		fmt.Fprintf(ios.ErrOut, "Please type 'yes' or 'no':\n")
		answer, ok := ReadLine(ios.In)
		if !ok {
			return false
		}
		if answer == "yes" || answer == "no" {
			return answer == "yes"
		}
	}
}

// maxLine bounds ReadLine; longer input is consumed but not kept.
const maxLine = 4096

// ReadLine reads one line from r without its "\n", one byte at a time so
// that nothing after the line is consumed (later prompts read the same
// stream). ok is false at end of input when nothing was read; a last line
// without "\n" is returned with ok true, as std::getline does.
func ReadLine(r io.Reader) (line string, ok bool) {
	var b []byte
	var one [1]byte
	read := false
	for {
		n, err := r.Read(one[:])
		if n == 1 {
			read = true
			if one[0] == '\n' {
				return string(b), true
			}
			if len(b) < maxLine {
				b = append(b, one[0])
			}
			continue
		}
		if err != nil {
			return string(b), read
		}
	}
}

// NetError turns a network client failure into the modern CLI's error:
// what failed, the daemon's CondorError text, a hint at the likely cause
// and the exit code (ExitAuth for refused authentication or authorization,
// ExitTimeout for a passed deadline, ExitFailure otherwise).
func NetError(what string, err error) error {
	if err == nil {
		return nil
	}
	var te *locate.ToolError
	if errors.As(err, &te) {
		msg := strings.TrimPrefix(te.Line, "ERROR: ")
		return Errorf(ExitFailure, "%s: %s (check --pool/--name/--type, COLLECTOR_HOST, and that the daemon runs)", what, msg)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return &ExitError{Code: ExitTimeout, Err: fmt.Errorf("%s: timed out (raise --timeout, or check that the daemon answers): %w", what, err)}
	}
	ce, ok := condorerr.As(err)
	if !ok {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("%s: %w", what, err)}
	}
	text := ce.Error()
	if d := ce.Detail(); d != "" && d != text {
		text += " (" + d + ")"
	}
	code, hint := ExitFailure, ""
	for e := ce; e != nil; e = e.Next {
		switch {
		case e.Subsys == "SECMAN" && e.Code == 2010:
			code, hint = ExitAuth, "the daemon authenticated you but refused the command: check its ALLOW_* settings"
		case e.Subsys == "AUTHENTICATE" && code != ExitAuth:
			code, hint = ExitAuth, "no authentication method worked: check your token (condor-auth token list), SEC_CLIENT_AUTHENTICATION_METHODS and the daemon's methods"
		case e.Subsys == "DAEMON" && e.Code == 1 && strings.HasPrefix(e.Msg, "Failed to connect") && hint == "":
			hint = "is the daemon running and reachable from here?"
		}
	}
	if hint != "" {
		return Errorf(code, "%s: %s\n  hint: %s", what, text, hint)
	}
	return Errorf(code, "%s: %s", what, text)
}
