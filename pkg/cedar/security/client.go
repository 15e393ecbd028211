package security

import (
	"context"
	"crypto/ecdh"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
)

// DefaultHandshakeTimeout bounds a whole handshake when the context has no
// earlier deadline: the 20 s startCommand timeout of the C++ tools
// (cedar.md §7).
const DefaultHandshakeTimeout = 20 * time.Second

// Client runs the client side of the security handshake. Fill the fields,
// then call StartCommand (or Dial) for every command; a Client is safe for
// concurrent use as long as its fields are not changed.
type Client struct {
	// Policy is the client policy (ClientPolicy). Required.
	Policy *Policy
	// Methods are the available method implementations. Only those named
	// in Policy.AuthMethods and Usable are offered, in Policy order.
	Methods []auth.Client
	// Version is sent as RemoteVersion; default DefaultVersion.
	Version string
	// Subsystem is sent as Subsystem; default "TOOL".
	Subsystem string
	// Pid is sent as ServerPid; default os.Getpid().
	Pid int
	// Sessions, if set, caches negotiated sessions and resumes them for
	// later commands to the same address (cedar.md §4.12).
	Sessions *SessionCache
	// Timeout bounds each handshake; default DefaultHandshakeTimeout. The
	// context's deadline applies when it is earlier.
	Timeout time.Duration
	// Explain, if set, receives a note on every decision (for
	// `ping --explain`). Notes never contain secrets.
	Explain func(format string, args ...any)
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Rand supplies resume nonces; default crypto/rand.
	Rand io.Reader
	// ECDHKey generates the ephemeral key of a new session; default a
	// fresh P-256 key (tests inject recorded keys).
	ECDHKey func() (*ecdh.PrivateKey, error)
}

// Request describes one command to start.
type Request struct {
	// Command is the command number (e.g. 60046).
	Command int
	// AuthCommand is the command whose permission is to be used, for
	// Command DC_AUTHENTICATE or DC_SEC_QUERY (e.g. 60021 for a WRITE
	// ping).
	AuthCommand int
	// Sinful is the address as dialed, sent as ConnectSinful and used as
	// the session-cache key; default "<ip:port>" of the peer.
	Sinful string
	// SharedPortID is the sock= id when the daemon sits behind shared
	// port (for FS channel binding).
	SharedPortID string
	// NewSession forbids resuming a cached session.
	NewSession bool
	// RequestAuthentication raises the Authentication level to at least
	// PREFERRED for this command (C++ request_auth).
	RequestAuthentication bool
}

// Result is a started command: the stream is ready for the command's
// payload (encrypted when Encrypted).
type Result struct {
	// Stream is the connection.
	Stream *cedar.Stream
	// Command is the command started.
	Command int
	// Raw is set when the command was sent without negotiation (§4.13):
	// the command int is in the current message and the payload must
	// follow in the same message.
	Raw bool
	// Resumed is set when a cached session was used.
	Resumed bool
	// SessionID is the session id (Sid).
	SessionID string
	// MyIdentity is our identity as the server mapped it (post-auth User,
	// "unauthenticated@unmapped" when we did not authenticate).
	MyIdentity string
	// Method is the authentication method used, as HTCondor names it
	// ("FS", "IDTOKENS", "SSL", …), "" when none.
	Method string
	// ServerIdentity is who the method proved the server to be, "" when
	// the method does not tell (FS, CLAIMTOBE, ANONYMOUS).
	ServerIdentity string
	// TriedAuthentication is the post-auth flag.
	TriedAuthentication bool
	// Encrypted reports that AES-GCM protects the stream; CryptoMethod is
	// then "AES".
	Encrypted    bool
	CryptoMethod string
	// Encryption and Integrity are the negotiated decisions (with AES both
	// are in force whenever Encrypted).
	Encryption, Integrity bool
	// AuthMethodsList is the server's list of common methods.
	AuthMethodsList string
	// ValidCommands are the commands the session is good for.
	ValidCommands []int
	// RemoteVersion is the server's version string.
	RemoteVersion string
	// TrustDomain and IssuerKeys are the server's.
	TrustDomain string
	IssuerKeys  []string
	// Response and PostAuth are the server's ads (nil when resumed or raw).
	Response, PostAuth *classad.Ad
	// SecQuery is the DC_SEC_QUERY answer (AuthorizationSucceeded and the
	// AuthToken* attributes), only for Command DC_SEC_QUERY.
	SecQuery *classad.Ad

	key []byte // session key, for the session cache
}

func (c *Client) note(format string, args ...any) {
	if c.Explain != nil {
		c.Explain(format, args...)
	}
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) version() string {
	if c.Version != "" {
		return c.Version
	}
	return DefaultVersion
}

// guard applies the handshake deadline and context cancellation to s; the
// returned function undoes both and returns the context's error, if any,
// so that a failure caused by the context can say so.
func guard(ctx context.Context, s *cedar.Stream, timeout time.Duration) (deadline time.Time, done func() error) {
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	deadline = time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	hasDeadline := s.SetDeadline(deadline) == nil
	stop := context.AfterFunc(ctx, func() {
		// A deadline already ends blocked I/O through SetDeadline, with a
		// clearer error; only cancellation needs to close the connection.
		if hasDeadline && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return
		}
		_ = s.Close()
	})
	if !hasDeadline {
		deadline = time.Time{}
	}
	return deadline, func() error {
		stop()
		if hasDeadline {
			_ = s.SetDeadline(time.Time{})
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// The stream's deadline may fire a moment before the context's.
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
			return context.DeadlineExceeded
		}
		return nil
	}
}

// authDeadline narrows the connection's deadline to the authentication
// timeout (SEC_<PERM>_AUTHENTICATION_TIMEOUT) for the method exchange and
// returns a function that restores the handshake deadline.
func authDeadline(s *cedar.Stream, handshake time.Time, timeout time.Duration) (restore func()) {
	if timeout <= 0 || handshake.IsZero() {
		return func() {}
	}
	d := time.Now().Add(timeout)
	if handshake.Before(d) || s.SetDeadline(d) != nil {
		return func() {}
	}
	return func() { _ = s.SetDeadline(handshake) }
}

// StartCommand runs the handshake for req on s (cedar.md §4). On success
// the stream is positioned for the command payload. Errors are condorerr
// chains with HTCondor's texts; their causes match ErrDenied,
// ErrAuthenticationFailed, ErrCommandRejected, ErrSessionNotFound,
// ErrPolicy, ErrNoKey or ErrProtocol (and context.Canceled or
// context.DeadlineExceeded when ctx ended the handshake). After
// ErrSessionNotFound the session is dropped from the cache and a new
// connection will negotiate a new one (Dial does that by itself).
//
// The handshake bounds itself with the stream's absolute deadline
// (SetDeadline), which it clears when done; per-packet timeouts of the
// stream's cedar.Config stay in force.
func (c *Client) StartCommand(ctx context.Context, s *cedar.Stream, req Request) (res *Result, err error) {
	if c.Policy == nil {
		return nil, secmanErr(codeInvalidPolicy, ErrPolicy, errors.New("Client.Policy is nil"), "Configuration Problem: The security policy is invalid.")
	}
	if s.Encrypted() {
		return nil, secmanErr(codeInvalidPolicy, ErrProtocol, errors.New("the stream already carries a started command"), "Stream already encrypted.")
	}
	deadline, done := guard(ctx, s, c.Timeout)
	defer func() {
		if cerr := done(); cerr != nil && err != nil {
			err = commErr("Security handshake interrupted.", cerr)
			res = nil
		}
	}()

	sinful := req.Sinful
	if sinful == "" {
		if ra := s.RemoteAddr(); ra != nil {
			sinful = "<" + ra.String() + ">"
		}
	}
	reqAuth := LevelInvalid
	if req.RequestAuthentication {
		reqAuth = Preferred
	}
	// The number of usable methods only decides whether a new session can
	// authenticate; the negotiation level (raw command or not) and a cached
	// session do not depend on it, so the methods (token and key directory
	// scans) are looked at only when a new session is negotiated.
	lv, err := c.Policy.levelsFor(1, len(c.Policy.CryptoMethods), reqAuth)
	if err != nil {
		return nil, secmanErr(codeInvalidPolicy, nil, err, "Configuration Problem: The security policy is invalid.")
	}
	for _, n := range c.Policy.Notes {
		c.note("policy: %s", n)
	}

	if lv.neg == Never || lv.neg == Optional {
		// Raw command (§4.13): the int only, no end of message.
		c.note("negotiation is %s: sending raw command %d without a security handshake", lv.neg, req.Command)
		if err := s.PutInt(int64(req.Command)); err != nil {
			return nil, secmanErr(codeCommunications, ErrProtocol, err, "Failed to send raw command to %s.", sinful)
		}
		return &Result{Stream: s, Command: req.Command, Raw: true, MyIdentity: UnauthenticatedUser}, nil
	}

	if c.Sessions != nil && !req.NewSession {
		if sess, ok := c.Sessions.Lookup(sinful, req.Command, c.now()); ok {
			return c.resume(s, req, sess, sinful)
		}
	}
	pre := &auth.Peer{Local: s.LocalAddr(), Remote: s.RemoteAddr(), SharedPortID: req.SharedPortID, Explain: c.Explain}
	offered := c.offeredMethods(pre)
	if lv, err = c.Policy.levelsFor(len(offered), len(c.Policy.CryptoMethods), reqAuth); err != nil {
		return nil, secmanErr(codeInvalidPolicy, nil, err, "Configuration Problem: The security policy is invalid.")
	}
	c.note("client policy: negotiation %s, authentication %s (sent as %s), encryption %s, integrity %s",
		lv.neg, lv.authNew, lv.auth, lv.enc, lv.integ)
	return c.newSession(ctx, s, req, sinful, offered, lv, deadline)
}

// offeredMethods picks, in policy order, the implemented methods that are
// usable before the server is known (filterAuthenticationMethods).
func (c *Client) offeredMethods(pre *auth.Peer) []auth.Client {
	var out []auth.Client
	for _, name := range c.Policy.AuthMethods {
		bit, ok := auth.Bit(name)
		if !ok {
			continue
		}
		i := slices.IndexFunc(c.Methods, func(m auth.Client) bool { return m != nil && m.Bit() == bit })
		if i < 0 {
			c.note("method %s: not implemented here, not offered", name)
			continue
		}
		if ok, why := c.Methods[i].Usable(pre); !ok {
			c.note("method %s: not offered: %s", name, why)
			continue
		}
		out = append(out, c.Methods[i])
	}
	return out
}

// policyAd builds message 1 of a new session (FillInSecurityPolicyAd and
// sendAuthInfo_inner, cedar.md §4.3).
func (c *Client) policyAd(req Request, sinful string, offered []auth.Client, lv adLevels, pub string) *classad.Ad {
	ad := classad.NewAd()
	if len(offered) > 0 {
		names := make([]string, len(offered))
		for i, m := range offered {
			names[i] = auth.CanonicalName(m.Name())
		}
		setStr(ad, AttrAuthMethods, strings.Join(names, ","))
		// UpdateAuthenticationMetadata: TrustDomain always, IssuerKeys
		// only with TOKEN and readable keys.
		if c.Policy.TrustDomain != "" {
			setStr(ad, AttrTrustDomain, c.Policy.TrustDomain)
		}
		if offersToken(names) && len(c.Policy.IssuerKeys) > 0 {
			setStr(ad, AttrIssuerKeys, issuerKeysString(c.Policy.IssuerKeys))
		}
	}
	if len(c.Policy.CryptoMethods) > 0 {
		setStr(ad, AttrCryptoMethods, strings.Join(c.Policy.CryptoMethods, ","))
	}
	setStr(ad, AttrOutgoingNegotiation, lv.neg.String())
	setStr(ad, AttrAuthentication, lv.auth.String())
	setStr(ad, AttrAuthenticationNew, lv.authNew.String())
	setStr(ad, AttrEncryption, lv.enc.String())
	setStr(ad, AttrIntegrity, lv.integ.String())
	setStr(ad, AttrEnact, "NO")
	sub := c.Subsystem
	if sub == "" {
		sub = "TOOL"
	}
	setStr(ad, AttrSubsystem, sub)
	pid := c.Pid
	if pid == 0 {
		pid = os.Getpid()
	}
	setInt(ad, AttrServerPid, int64(pid))
	// SessionDuration is a string for historical reasons (pitfall 14).
	setStr(ad, AttrSessionDuration, strconv.FormatInt(int64(c.Policy.SessionDuration/time.Second), 10))
	setInt(ad, AttrSessionLease, int64(c.Policy.SessionLease/time.Second))
	setStr(ad, AttrECDHPublicKey, pub)
	setStr(ad, AttrNewSession, "YES")
	setBool(ad, AttrNegotiatedSession, true)
	setStr(ad, AttrRemoteVersion, c.version())
	if sinful != "" {
		setStr(ad, AttrConnectSinful, sinful)
	}
	setInt(ad, AttrCommand, int64(req.Command))
	if req.Command == DCAuthenticate || req.Command == DCSecQuery {
		setInt(ad, AttrAuthCommand, int64(req.AuthCommand))
	}
	return ad
}

func (c *Client) ecdhKey() (*ecdh.PrivateKey, error) {
	if c.ECDHKey != nil {
		return c.ECDHKey()
	}
	return cedar.GenerateECDHKey()
}

// newSession runs the full handshake of a new session.
func (c *Client) newSession(ctx context.Context, s *cedar.Stream, req Request, sinful string, offered []auth.Client, lv adLevels, deadline time.Time) (*Result, error) {
	priv, err := c.ecdhKey()
	if err != nil {
		return nil, secmanErr(codeNoKey, ErrNoKey, err, "Failed to generate a key exchange.")
	}
	ad := c.policyAd(req, sinful, offered, lv, cedar.EncodeECDHPublicKey(priv.PublicKey()))
	c.note("sending DC_AUTHENTICATE for command %d to %s, offering methods %s", req.Command, sinful, methodNames(offered))
	if err := s.PutInt(DCAuthenticate); err != nil {
		return nil, commErr("Failed to send DC_AUTHENTICATE message.", err)
	}
	if err := writeAd(s, ad, classad.FlatMapOrder); err != nil {
		return nil, commErr("Failed to send auth_info.", err)
	}

	resp, err := readHandshakeAd(s)
	if err != nil {
		if errors.Is(err, cedar.ErrPeerClosed) {
			c.note("the server closed the connection after message 1: unknown command or irreconcilable policy")
			return nil, secmanErr(codeCommandNotFound, ErrCommandRejected, err,
				"Connection closed during command authorization. Probably due to an unknown command.")
		}
		return nil, commErr("Read failure during security negotiation.", err)
	}
	r := &Result{Stream: s, Command: req.Command, Response: resp}
	if err := c.readResponse(r, resp, lv); err != nil {
		return nil, err
	}

	post := &auth.Peer{Local: s.LocalAddr(), Remote: s.RemoteAddr(), SharedPortID: req.SharedPortID,
		TrustDomain: r.TrustDomain, IssuerKeys: r.IssuerKeys, ServerAd: resp.AssignmentLines(classad.InsertionOrder), Explain: c.Explain}
	authDecision, _ := adDecision(resp, AttrAuthentication)
	if authDecision == Yes {
		restore := authDeadline(s, deadline, c.Policy.AuthTimeout)
		err := c.authenticate(ctx, s, r, resp, offered, post, lv)
		restore()
		if err != nil {
			return nil, err
		}
	} else {
		c.note("the server decided: no authentication")
	}
	if lv.authNew == Required && r.Method == "" {
		return nil, secmanErr(codeInvalidPolicy, ErrAuthenticationFailed, errors.New("the server did not authenticate us although this client requires authentication"),
			"Authentication is required by this client but did not take place.")
	}

	if err := c.enableCrypto(s, r, resp, priv, lv); err != nil {
		return nil, err
	}
	err = c.readPostAuth(s, r, req, sinful)
	clear(r.key)
	r.key = nil
	if err != nil {
		return nil, err
	}
	return r, nil
}

// readResponse interprets message 2 (receiveAuthInfo_inner).
func (c *Client) readResponse(r *Result, resp *classad.Ad, lv adLevels) error {
	r.TrustDomain, _ = adString(resp, AttrTrustDomain)
	if k, ok := adString(resp, AttrIssuerKeys); ok {
		r.IssuerKeys = parseIssuerKeys(k)
	}
	r.RemoteVersion, _ = adString(resp, AttrRemoteVersion)
	r.AuthMethodsList, _ = adString(resp, AttrAuthMethodsList)
	a, okA := adDecision(resp, AttrAuthentication)
	e, okE := adDecision(resp, AttrEncryption)
	i, okI := adDecision(resp, AttrIntegrity)
	if !okA || !okE || !okI || a == Fail || e == Fail || i == Fail {
		return protoErr(codeAttributeMissing, "Protocol Error: Action attribute missing.")
	}
	r.Encryption, r.Integrity = e == Yes, i == Yes
	c.note("server response: authentication %s, encryption %s, integrity %s, methods %q, crypto %q, trust domain %q, version %q",
		a, e, i, r.AuthMethodsList, adStr(resp, AttrCryptoMethods), r.TrustDomain, r.RemoteVersion)
	if e == Yes {
		cm, ok := adString(resp, AttrCryptoMethods)
		if !ok || cm == "" {
			return secmanErr(codeInvalidPolicy, ErrNoKey, nil, "Remote server requires encryption but provided no crypto method to use; potentially there were no mutually-compatible methods enabled between client and server.")
		}
		if first, _, _ := strings.Cut(cm, ","); first != CryptoAES {
			return secmanErr(codeInvalidPolicy, ErrNoKey, nil, "Remote server suggested a crypto method (%s) we don't support", first)
		}
	}
	if lv.enc == Required && e != Yes || lv.integ == Required && i != Yes {
		return secmanErr(codeInvalidPolicy, ErrPolicy, errors.New("the server turned down encryption or integrity that this client requires"),
			"Remote server did not agree to the required encryption or integrity.")
	}
	return nil
}

// adStr returns a string attribute or "".
func adStr(ad *classad.Ad, name string) string {
	v, _ := adString(ad, name)
	return v
}

// authenticate runs the method negotiation and the hasKey message.
func (c *Client) authenticate(ctx context.Context, s *cedar.Stream, r *Result, resp *classad.Ad, offered []auth.Client, peer *auth.Peer, lv adLevels) error {
	list := r.AuthMethodsList
	if list == "" {
		list = adStr(resp, AttrAuthMethods)
	}
	if list == "" {
		return protoErr(codeAttributeMissing, "Protocol Error: No auth methods.")
	}
	var candidates []auth.Client
	for _, name := range splitList(list) {
		bit, ok := auth.Bit(name)
		if !ok {
			continue
		}
		i := slices.IndexFunc(offered, func(m auth.Client) bool { return m.Bit() == bit })
		if i < 0 || slices.Contains(candidates, offered[i]) {
			continue
		}
		if ok, why := offered[i].Usable(peer); !ok {
			c.note("method %s: left out for this server: %s", offered[i].Name(), why)
			continue
		}
		candidates = append(candidates, offered[i])
	}
	r.TriedAuthentication = true
	used, failures, fatal := negotiateClient(ctx, s, candidates, peer)
	if fatal != nil {
		return pushChainErr(failures, fatal)
	}
	if used == nil {
		required := true
		if v, ok := adBool(resp, AttrAuthRequired); ok {
			required = v
		}
		if required || lv.authNew == Required {
			c.note("authentication failed and is required: giving up")
			if failures == nil {
				failures = condorerr.New("AUTHENTICATE", codeOutOfMethods, "Failed to authenticate with any method")
			}
			return failures.WithCause(ErrAuthenticationFailed)
		}
		c.note("authentication failed but is not required: continuing unauthenticated")
		return nil
	}
	r.Method = auth.UsedName(used.Name())
	r.ServerIdentity = peer.ServerIdentity
	c.note("authenticated with %s", r.Method)
	// The hasKey int follows every successful authentication (§4.7,
	// pitfall 8); with ECDH it is 0.
	hasKey, err := s.GetInt()
	if err == nil {
		err = s.EndOfMessage()
	}
	if err != nil {
		return chainErr("AUTHENTICATE", codeKeyExchangeFailed, ErrProtocol, err, "Failed to securely exchange session key")
	}
	if hasKey != 0 {
		return chainErr("AUTHENTICATE", codeKeyExchangeFailed, ErrNoKey, fmt.Errorf("server sent a wrapped session key (hasKey = %d): only ECDH keys are supported", hasKey),
			"Failed to securely exchange session key")
	}
	return nil
}

// pushChainErr puts the chain of fatal (when it is a condorerr chain) on
// top of failures.
func pushChainErr(failures *condorerr.Error, fatal error) error {
	ce, ok := condorerr.As(fatal)
	if !ok {
		return commErr("Failure performing handshake", fatal)
	}
	if failures == nil {
		return ce
	}
	out := pushChain(failures, ce)
	if cause := ce.Unwrap(); cause != nil {
		out.WithCause(cause)
	}
	return out
}
