package security

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

// CommandInfo is how a command is registered (DaemonCore
// Register_Command): its permission level, alternate levels that also
// grant it, and whether it needs a mapped identity.
type CommandInfo struct {
	// Name describes the command in logs (e.g. "DC_GET_SESSION_TOKEN").
	Name string
	// Perm is the primary permission level (e.g. "DAEMON").
	Perm string
	// AltPerms are alternate levels tried when Perm is denied (e.g.
	// ["ALLOW"], tokens.md §1.3).
	AltPerms []string
	// ForceAuthentication requires a mapped identity (not
	// unauthenticated@unmapped, not ANONYMOUS); it also makes the server's
	// authentication level REQUIRED for the command.
	ForceAuthentication bool
}

// CommandTable is the server's registry of commands.
type CommandTable interface {
	// Lookup returns how cmd is registered.
	Lookup(cmd int) (CommandInfo, bool)
	// ValidCommands lists the commands registered at perm and the levels
	// it implies, counting alternate levels, leaving out
	// force_authentication commands unless mapped (GetCommandsInAuthLevel,
	// cedar.md §4.10).
	ValidCommands(perm string, mapped bool) []int
}

// AuthzRequest is what the authorization callback decides on.
type AuthzRequest struct {
	// Command is the command (for DC_SEC_QUERY: the queried AuthCommand).
	Command int
	// Info is its registration.
	Info CommandInfo
	// Identity is the peer; unauthenticated@unmapped when it did not
	// authenticate. Identity.Policy carries LimitAuthorization and the
	// token attributes.
	Identity auth.Identity
	// Authenticated is set when a method established Identity.
	Authenticated bool
	// Method is the method used, as HTCondor names it ("IDTOKENS", …).
	Method string
	// Peer is the client's address.
	Peer net.Addr
	// Resumed and Raw describe how the command arrived.
	Resumed, Raw bool
}

// AllowAll is an authorization callback that allows everything (tests and
// trusted loopback use only).
func AllowAll(*AuthzRequest) (bool, string) { return true, "every command is allowed" }

// Server answers the security handshake. Fill the fields and call Accept
// for every connection; a Server is safe for concurrent use.
type Server struct {
	// Policies holds the policy of every permission level (ServerPolicies).
	Policies PolicySet
	// Methods are the implemented methods; the server picks the first
	// method of its policy list the client also offers.
	Methods []auth.Server
	// Commands is the command table. Required.
	Commands CommandTable
	// Authorize decides whether an identity may run a command (ALLOW/DENY
	// lists, token scopes). Required.
	Authorize func(*AuthzRequest) (bool, string)
	// Sessions holds the sessions this server created, for resumption.
	// Nil disables caching: every resume attempt gets SID_NOT_FOUND.
	Sessions *ServerSessions
	// Version is sent as RemoteVersion; default DefaultVersion.
	Version string
	// Hostname and Pid form session ids "<host>:<pid>:<time>:<n>";
	// defaults os.Hostname() and os.Getpid().
	Hostname string
	Pid      int
	// SharedPortID is our shared-port id, for FS channel binding.
	SharedPortID string
	// Timeout bounds the handshake of each connection; default
	// DefaultHandshakeTimeout.
	Timeout time.Duration
	// Explain, if set, receives notes on every decision (never secrets).
	Explain func(format string, args ...any)
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Rand supplies resume nonces; default crypto/rand.
	Rand io.Reader
	// ECDHKey generates the server's ephemeral keys; default fresh P-256.
	ECDHKey func() (*ecdh.PrivateKey, error)
	// MapName, if set, is CERTIFICATE_MAPFILE: after a successful
	// authentication whose method sets an authenticated name (every method
	// but TOKEN), it is called with HTCondor's method name ("FS", "SSL",
	// "CLAIMTOBE", "ANONYMOUS") and that name; on a match the canonical
	// name replaces the identity, split at its last '@' (without one, the
	// domain is UIDDomain), as HTCondor's Authentication does (cedar.md §4.6
	// step 5).
	MapName func(method, name string) (canonical string, ok bool)
	// UIDDomain completes a canonical name without '@' (UID_DOMAIN).
	UIDDomain string

	counter atomic.Int64
}

// mapIdentity applies MapName to a freshly authenticated identity.
func (srv *Server) mapIdentity(method string, id auth.Identity) auth.Identity {
	if srv.MapName == nil || id.AuthenticatedName == "" {
		return id
	}
	canon, ok := srv.MapName(method, id.AuthenticatedName)
	if !ok || canon == "" {
		srv.note("%s: %q is not in CERTIFICATE_MAPFILE; keeping %q", method, id.AuthenticatedName, id.FQU())
		return id
	}
	if len(canon) > 255 { // split_canonical_name works on a 256-byte copy
		canon = canon[:255]
	}
	if i := strings.LastIndexByte(canon, '@'); i >= 0 {
		id.User, id.Domain = canon[:i], canon[i+1:]
	} else {
		id.User, id.Domain = canon, srv.UIDDomain
	}
	srv.note("%s: %q mapped to %q by CERTIFICATE_MAPFILE", method, id.AuthenticatedName, id.FQU())
	return id
}

// Accepted describes a connection that passed the handshake.
type Accepted struct {
	// Stream is the connection, encrypted when Encrypted.
	Stream *cedar.Stream
	// Command is the command to run (the Command attribute, not 60010).
	Command int
	// Info is its registration.
	Info CommandInfo
	// Identity is the client; unauthenticated@unmapped when it did not
	// authenticate.
	Identity auth.Identity
	// Authenticated is set when a method established Identity.
	Authenticated bool
	// Method is the method used, as HTCondor names it; "" when none.
	Method string
	// SessionID is the session (new or resumed); "" for raw commands.
	SessionID string
	// Resumed, Raw and Encrypted describe the connection. For a raw
	// command the payload follows in the message that carried the
	// command int.
	Resumed, Raw, Encrypted bool
	// Handled is set for DC_AUTHENTICATE and DC_SEC_QUERY, which the
	// handshake answered completely: no handler runs.
	Handled bool
	// ClientVersion is the client's RemoteVersion.
	ClientVersion string
	// Reason is the authorization callback's explanation.
	Reason string

	authCmd int // the command whose permission applies (AuthCommand)
}

func (srv *Server) note(format string, args ...any) {
	if srv.Explain != nil {
		srv.Explain(format, args...)
	}
}

func (srv *Server) now() time.Time {
	if srv.Now != nil {
		return srv.Now()
	}
	return time.Now()
}

func (srv *Server) version() string {
	if srv.Version != "" {
		return srv.Version
	}
	return DefaultVersion
}

func (srv *Server) randReader() io.Reader {
	if srv.Rand != nil {
		return srv.Rand
	}
	return rand.Reader
}

// reject builds the error of a connection closed without a reply.
func reject(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRejected, fmt.Sprintf(format, args...))
}

// unauthenticated is the identity of a peer without authentication.
var unauthenticated = auth.Identity{User: auth.UnauthenticatedUser, Domain: auth.UnmappedDomain}

// Accept runs the server side of the handshake on a new connection
// (DaemonCommandProtocol). On success the returned Accepted says which
// command to run, for whom, on which stream; unless Handled, the caller
// runs the command's handler. On error the caller must close the
// connection: like C++, Accept has then either sent nothing (unknown
// command, irreconcilable policies: errors.Is(err, ErrRejected)) or the
// post-auth ad with ReturnCode "DENIED" (ErrNotAuthorized). The returned
// Accepted is non-nil, for logging, as soon as the command number is
// known, even on error.
func (srv *Server) Accept(ctx context.Context, s *cedar.Stream) (acc *Accepted, err error) {
	if srv.Commands == nil || srv.Authorize == nil {
		return nil, errors.New("security: Server.Commands and Server.Authorize must be set")
	}
	deadline, done := guard(ctx, s, srv.Timeout)
	defer func() {
		if cerr := done(); cerr != nil && err != nil {
			err = fmt.Errorf("%w (%w)", err, cerr)
		}
	}()
	cmd, err := s.GetInt()
	if err != nil {
		return nil, fmt.Errorf("reading the command int: %w", err)
	}
	if cmd != DCAuthenticate {
		return srv.raw(s, cmd)
	}
	lines, _, _, err := s.GetAdLines()
	if err == nil {
		err = s.EndOfMessage()
	}
	if err != nil {
		return nil, fmt.Errorf("reading the DC_AUTHENTICATE ad: %w", err)
	}
	cli, err := ParseHandshakeAd(lines)
	if err != nil {
		return nil, reject("%v", err)
	}
	acc = &Accepted{Stream: s, Identity: unauthenticated}
	acc.ClientVersion, _ = adString(cli, AttrRemoteVersion)
	realCmd, _ := adInt(cli, AttrCommand)
	authCmd := realCmd
	if realCmd == DCAuthenticate || realCmd == DCSecQuery {
		authCmd, _ = adInt(cli, AttrAuthCommand)
	}
	if realCmd != int64(int32(realCmd)) || authCmd != int64(int32(authCmd)) {
		return nil, reject("command %d / %d is out of range", realCmd, authCmd)
	}
	acc.Command, acc.authCmd = int(realCmd), int(authCmd)
	info, ok := srv.Commands.Lookup(int(authCmd))
	if !ok {
		return acc, reject("command %d is not registered", authCmd)
	}
	acc.Info = info
	if _, ok := adString(cli, AttrCookie); ok {
		return acc, reject("the client sent a Cookie, which only a daemon talking to itself does")
	}
	if d, _ := adDecision(cli, AttrUseSession); d == Yes {
		return srv.resume(s, cli, acc, int(authCmd))
	}
	return srv.newSession(ctx, s, cli, acc, int(authCmd), deadline)
}

// usable returns the methods that can run here: those not implementing
// auth.ServerUsable, or reporting themselves usable (SSL without a host
// certificate is left out, as C++ filterAuthenticationMethods does).
func (srv *Server) usable() []auth.Server {
	var out []auth.Server
	for _, m := range srv.Methods {
		if m == nil {
			continue
		}
		if u, ok := m.(auth.ServerUsable); ok {
			if ok, why := u.Usable(); !ok {
				srv.note("method %s is not offered: %s", m.Name(), why)
				continue
			}
		}
		out = append(out, m)
	}
	return out
}

// implemented lists the policy's methods that have a usable
// implementation, in policy order.
func (srv *Server) implemented(pol *Policy) []string {
	usable := srv.usable()
	var out []string
	for _, name := range pol.AuthMethods {
		bit, _ := auth.Bit(name)
		if slices.ContainsFunc(usable, func(m auth.Server) bool { return m.Bit() == bit }) {
			out = append(out, name)
		}
	}
	return out
}

func (srv *Server) ecdhKey() (*ecdh.PrivateKey, error) {
	if srv.ECDHKey != nil {
		return srv.ECDHKey()
	}
	return cedar.GenerateECDHKey()
}

// newSession handles a DC_AUTHENTICATE that asks for a new session.
func (srv *Server) newSession(ctx context.Context, s *cedar.Stream, cli *classad.Ad, acc *Accepted, authCmd int, deadline time.Time) (*Accepted, error) {
	pol := srv.Policies.For(acc.Info.Perm)
	if pol == nil {
		return acc, reject("no security policy for permission %q of command %d", acc.Info.Perm, authCmd)
	}
	reqAuth := LevelInvalid
	if acc.Info.ForceAuthentication {
		reqAuth = Required
	}
	methods := srv.implemented(pol)
	lv, err := pol.levelsFor(len(methods), len(pol.CryptoMethods), reqAuth)
	if err != nil {
		return acc, reject("our security policy is invalid: %v", err)
	}
	if d, _ := adDecision(cli, AttrEnact); d != No {
		return acc, reject("the client did not ask for our decision (Enact is not NO); that old negotiation style is not supported")
	}
	if d, _ := adDecision(cli, AttrNewSession); d != Yes {
		return acc, reject("the client did not ask for a new session (NewSession is not YES); that old negotiation style is not supported")
	}
	rec, err := reconcile(cli, pol, lv, methods, srv.version())
	if err != nil {
		srv.note("%v", err)
		return acc, err
	}
	srv.note("reconciled for %s command %d: authentication %s (required %v), encryption %s, integrity %s, methods %v",
		acc.Info.Perm, authCmd, rec.auth, rec.authRequired, rec.enc, rec.integ, rec.methods)

	// The session key (cedar.md §4.4, §4.8): needed when authenticating or
	// when the client sent an ECDH key; only AES over ECDH is supported.
	peerEC, _ := adString(cli, AttrECDHPublicKey)
	var priv *ecdh.PrivateKey
	var peerPub *ecdh.PublicKey
	if rec.auth == Yes || peerEC != "" {
		cm, ok := adString(rec.ad, AttrCryptoMethods)
		if !ok {
			return acc, reject("a session key is needed but the client sent no crypto methods")
		}
		if first, _, _ := strings.Cut(cm, ","); first != CryptoAES {
			return acc, reject("no usable crypto method in common (client offered %q; only AES is implemented)", adStr(cli, AttrCryptoMethods))
		}
		if peerEC == "" {
			return acc, reject("the client sent no ECDHPublicKey; the legacy wrapped key exchange is not implemented")
		}
		if peerPub, err = cedar.ParseECDHPublicKey(peerEC); err != nil {
			return acc, reject("%v", err)
		}
		if priv, err = srv.ecdhKey(); err != nil {
			return acc, fmt.Errorf("generating the ECDH key: %w", err)
		}
		setStr(rec.ad, AttrECDHPublicKey, cedar.EncodeECDHPublicKey(priv.PublicKey()))
		setStr(rec.ad, AttrCryptoMethods, CryptoAES)
	} else {
		rec.ad.Delete(AttrCryptoMethods)
	}
	if err := writeAd(s, rec.ad, classad.FlatMapOrder); err != nil {
		return acc, fmt.Errorf("sending the response ad: %w", err)
	}

	tried := false
	if rec.auth == Yes {
		tried = true
		if len(rec.methods) == 0 {
			// C++ closes here even when authentication was optional.
			return acc, reject("authentication agreed but no method in common (client offered %q)", adStr(cli, AttrAuthMethods))
		}
		peer := &auth.Peer{Local: s.LocalAddr(), Remote: s.RemoteAddr(), SharedPortID: srv.SharedPortID,
			TrustDomain: pol.TrustDomain, IssuerKeys: pol.IssuerKeys, ServerAd: rec.ad.AssignmentLines(classad.InsertionOrder), Explain: srv.Explain}
		restore := authDeadline(s, deadline, pol.AuthTimeout)
		id, used, failed, err := negotiateServer(ctx, s, rec.methods, srv.usable(), peer)
		restore()
		if err != nil {
			return acc, err
		}
		if used == nil {
			if rec.authRequired {
				if failed != nil {
					return acc, reject("required authentication failed: %v", failed)
				}
				return acc, reject("required authentication failed")
			}
			srv.note("authentication failed but is not required: continuing unauthenticated")
		} else {
			acc.Method = auth.UsedName(used.Name())
			acc.Identity, acc.Authenticated = srv.mapIdentity(acc.Method, id), true
			if used.Bit() == auth.BitClaimToBe {
				// CLAIMTOBE sessions are limited to the command's level and
				// the levels it implies (cedar.md §5.7).
				acc.Identity.Policy = clonePolicy(acc.Identity.Policy)
				acc.Identity.Policy[AttrLimitAuthorization] = strings.Join(ImpliedPerms(acc.Info.Perm), ",")
			}
			// hasKey = 0: the key comes from ECDH (§4.7, pitfall 8).
			if err := s.PutInt(0); err != nil {
				return acc, err
			}
			if err := s.EndOfMessage(); err != nil {
				return acc, err
			}
		}
		if acc.Info.ForceAuthentication && !(acc.Authenticated && acc.Identity.Mapped()) {
			return acc, reject("command %d requires a mapped identity, got %q", authCmd, fquOf(acc))
		}
	}

	var key []byte
	if priv != nil {
		if key, err = cedar.DeriveSessionKey(priv, peerPub); err != nil {
			return acc, fmt.Errorf("deriving the session key: %w", err)
		}
		if err := s.EnableCrypto(key); err != nil {
			return acc, err
		}
		acc.Encrypted = true
	}
	defer clear(key)

	ok, reason := srv.authorize(acc, false, false)
	now := srv.now()
	acc.SessionID = fmt.Sprintf("%s:%d:%d:%d", srv.hostname(), srv.pid(), now.Unix(), srv.counter.Add(1))
	pa := classad.NewAd()
	setStr(pa, AttrUser, fquOf(acc))
	if tried {
		setBool(pa, AttrTriedAuthentication, true)
	}
	setStr(pa, AttrSid, acc.SessionID)
	valid := srv.Commands.ValidCommands(acc.Info.Perm, acc.Authenticated && acc.Identity.Mapped())
	if !slices.Contains(valid, authCmd) {
		valid = append(valid, authCmd)
	}
	setStr(pa, AttrValidCommands, joinInts(valid))
	if ok {
		setStr(pa, AttrReturnCode, ReturnAuthorized)
	} else {
		setStr(pa, AttrReturnCode, ReturnDenied)
	}
	// Cache the session before the client learns its id: the client may
	// resume it on another connection as soon as it has the post-auth ad.
	if ok && srv.Sessions != nil {
		sess := &serverSession{id: acc.SessionID, key: slices.Clone(key), identity: cloneIdentity(acc.Identity),
			authenticated: acc.Authenticated, tried: tried, method: acc.Method, peerVersion: acc.ClientVersion, lastUse: now}
		if d, ok := adString(rec.ad, AttrSessionDuration); ok {
			sess.expires = now.Add(time.Duration(atoiPrefix(d))*time.Second + SessionSlop)
		}
		if l, ok := adInt(rec.ad, AttrSessionLease); ok && l > 0 {
			sess.lease = time.Duration(l)*time.Second + SessionSlop
		}
		srv.Sessions.add(sess, now)
	}
	if err := writeAd(s, pa, classad.FlatMapOrder); err != nil {
		if ok && srv.Sessions != nil {
			srv.Sessions.Invalidate(acc.SessionID)
		}
		return acc, fmt.Errorf("sending the post-auth ad: %w", err)
	}
	if !ok {
		return acc, fmt.Errorf("%w: %s", ErrNotAuthorized, reason)
	}

	return srv.finish(s, acc)
}

// authorize runs the force_authentication rule and the callback.
func (srv *Server) authorize(acc *Accepted, resumed, raw bool) (bool, string) {
	if acc.Info.ForceAuthentication && !(acc.Authenticated && acc.Identity.Mapped()) {
		acc.Reason = fmt.Sprintf("command %d requires a mapped identity, got %q", acc.Command, fquOf(acc))
		return false, acc.Reason
	}
	cmd := acc.authCmd
	ok, reason := srv.Authorize(&AuthzRequest{Command: cmd, Info: acc.Info, Identity: acc.Identity,
		Authenticated: acc.Authenticated, Method: acc.Method, Peer: acc.Stream.RemoteAddr(), Resumed: resumed, Raw: raw})
	acc.Reason = reason
	srv.note("authorization of %q for %s command %d: %v (%s)", fquOf(acc), acc.Info.Perm, cmd, ok, reason)
	return ok, reason
}

// finish runs DC_AUTHENTICATE (nothing more) and DC_SEC_QUERY (one more
// ad: AuthorizationSucceeded plus the AuthToken* attributes, cedar.md
// §4.11) after a successful authorization.
func (srv *Server) finish(s *cedar.Stream, acc *Accepted) (*Accepted, error) {
	switch acc.Command {
	case DCAuthenticate:
		acc.Handled = true
	case DCSecQuery:
		q := classad.NewAd()
		setBool(q, AttrAuthorizationSucceeded, true)
		for name, v := range acc.Identity.Policy {
			if len(name) < len(AuthTokenPrefix) || !strings.EqualFold(name[:len(AuthTokenPrefix)], AuthTokenPrefix) || !classad.ValidName(name) {
				continue
			}
			switch x := v.(type) {
			case string:
				setStr(q, name, x)
			case int64:
				setInt(q, name, x)
			case int:
				setInt(q, name, int64(x))
			case bool:
				setBool(q, name, x)
			}
		}
		if err := writeAd(s, q, classad.FlatMapOrder); err != nil {
			return acc, fmt.Errorf("sending the DC_SEC_QUERY answer: %w", err)
		}
		acc.Handled = true
	}
	return acc, nil
}

func (srv *Server) hostname() string {
	if srv.Hostname != "" {
		return srv.Hostname
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}

func (srv *Server) pid() int {
	if srv.Pid != 0 {
		return srv.Pid
	}
	return os.Getpid()
}

// fquOf is the post-auth User of acc.
func fquOf(acc *Accepted) string {
	if !acc.Authenticated {
		return UnauthenticatedUser
	}
	if f := acc.Identity.FQU(); f != "" {
		return f
	}
	return UnauthenticatedUser
}

// cloneIdentity copies id so that a cached session does not share its
// Policy map with a handler.
func cloneIdentity(id auth.Identity) auth.Identity {
	if id.Policy != nil {
		id.Policy = clonePolicy(id.Policy)
	}
	return id
}

func clonePolicy(p map[string]any) map[string]any {
	out := make(map[string]any, len(p)+1)
	for k, v := range p {
		out[k] = v
	}
	return out
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}
