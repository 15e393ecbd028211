// Package auth defines the CEDAR authentication-method interface shared by
// the handshake (pkg/cedar/security) and the methods (TOKEN, FS, SSL,
// CLAIMTOBE, ANONYMOUS), each in its own subpackage (cedar.md §4.6, §5).
//
// A method runs after the method-bitmask negotiation, on the plaintext
// stream, before crypto is turned on. Both sides must consume exactly the
// messages the protocol defines, so that on failure the handshake can retry
// with the next method on the same connection.
package auth

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar"
)

// Method bits as exchanged in the negotiation (cedar.md §4.6).
const (
	BitClaimToBe = 2
	BitFS        = 4
	BitFSRemote  = 8
	BitNTSSPI    = 16
	BitKerberos  = 64
	BitAnonymous = 128
	BitSSL       = 256
	BitPassword  = 512
	BitMunge     = 1024
	BitToken     = 2048
	BitSciTokens = 4096
)

var bits = map[string]int{
	"CLAIMTOBE": BitClaimToBe, "FS": BitFS, "FS_REMOTE": BitFSRemote, "NTSSPI": BitNTSSPI,
	"KERBEROS": BitKerberos, "ANONYMOUS": BitAnonymous, "SSL": BitSSL, "PASSWORD": BitPassword,
	"MUNGE": BitMunge, "TOKEN": BitToken, "TOKENS": BitToken, "IDTOKEN": BitToken, "IDTOKENS": BitToken,
	"SCITOKENS": BitSciTokens, "SCITOKEN": BitSciTokens,
}

// Bit returns the negotiation bit of a method name (case-insensitive; the
// IDTOKENS spellings all map to TOKEN).
func Bit(name string) (int, bool) {
	b, ok := bits[strings.ToUpper(strings.TrimSpace(name))]
	return b, ok
}

// CanonicalName returns the name HTCondor uses on the wire for a method:
// "TOKEN" for every IDTOKENS spelling (pitfall 7), otherwise upper case.
func CanonicalName(name string) string {
	n := strings.ToUpper(strings.TrimSpace(name))
	if bits[n] == BitToken {
		return "TOKEN"
	}
	if bits[n] == BitSciTokens {
		return "SCITOKENS"
	}
	return n
}

// Identity is what a successful authentication establishes about the
// client, on the server side.
type Identity struct {
	// User and Domain are the identity split at the last '@' (domain
	// lower-cased where the method says so); the FQU is User@Domain.
	User, Domain string
	// Method is the canonical method name ("FS", "TOKEN", "SSL", …).
	Method string
	// AuthenticatedName is the name subject to CERTIFICATE_MAPFILE (FS,
	// SSL, CLAIMTOBE, ANONYMOUS; empty for TOKEN, cedar.md §4.6 step 5).
	AuthenticatedName string
	// Unauthenticated marks an identity that is not really authenticated
	// (SSL without a client certificate → unauthenticated@unmapped).
	Unauthenticated bool
	// Policy holds attributes the method adds to the session policy, e.g.
	// for TOKEN: LimitAuthorization, AuthTokenSubject, AuthTokenIssuer,
	// AuthTokenId, AuthTokenScopes, TokenExpirationTime (tokens.md §6.2
	// step 6). Values are string, int64 or bool.
	Policy map[string]any
}

// FQU is the fully qualified user, User@Domain.
func (id Identity) FQU() string {
	if id.Domain == "" {
		return id.User
	}
	return id.User + "@" + id.Domain
}

// Mapped reports whether the identity is a mapped fully-qualified user, as
// C++ Sock::isMappedFQU: it has a domain and the domain is not "unmapped".
// Commands registered with force_authentication require a mapped identity
// (cedar.md §4.10); SSL without a client certificate and ANONYMOUS are not
// mapped.
func (id Identity) Mapped() bool {
	return id.Domain != "" && id.Domain != UnmappedDomain
}

// Names HTCondor gives unauthenticated and anonymous peers.
const (
	// UnmappedDomain is the domain of an identity no mapping applied to.
	UnmappedDomain = "unmapped"
	// UnauthenticatedUser is the user part of UNAUTHENTICATED_FQU
	// "unauthenticated@unmapped" (pitfall 16).
	UnauthenticatedUser = "unauthenticated"
	// AnonymousUser is the identity the ANONYMOUS method gives (no domain,
	// cedar.md §5.8).
	AnonymousUser = "CONDOR_ANONYMOUS_USER"
)

// UsedName returns the name HTCondor records as "the method used" for a
// canonical method name — in the session policy, in condor_ping's output
// and in messages such as "using method IDTOKENS": "IDTOKENS" for TOKEN
// (Authentication::authenticate_continue), the name itself otherwise.
func UsedName(name string) string {
	c := CanonicalName(name)
	if c == "TOKEN" {
		return "IDTOKENS"
	}
	return c
}

// Peer is what the handshake knows when a method runs.
type Peer struct {
	// Local and Remote are the TCP endpoints (FS channel binding uses the
	// server's view of the client's address).
	Local, Remote net.Addr
	// SharedPortID is the ?sock= id of the server when reached through
	// shared port ("" otherwise).
	SharedPortID string
	// TrustDomain and IssuerKeys are the server's TrustDomain and
	// IssuerKeys from its response ad, for the client's token choice.
	TrustDomain string
	IssuerKeys  []string
	// ServerAd is the server's response ad as "Name = value" lines, for
	// methods that need more.
	ServerAd []string
	// Explain, when non-nil, receives human-readable notes on the choices
	// made (which token, why a file was skipped) for `ping --explain`.
	Explain func(format string, args ...any)
	// ServerIdentity is set by a client method that learns who the server
	// is (TOKEN: the name the server proved itself as, AKEP2's "b"); it is
	// HTCondor's client-side getRemoteFQU, recorded in known_hosts.
	ServerIdentity string
}

// Note calls Explain if set.
func (p *Peer) Note(format string, args ...any) {
	if p != nil && p.Explain != nil {
		p.Explain(format, args...)
	}
}

// Client is the client side of one method.
type Client interface {
	// Name is the canonical method name.
	Name() string
	// Bit is the negotiation bit.
	Bit() int
	// Usable reports whether the method can be offered at all (e.g. TOKEN
	// only with a usable token or key; cedar.md §5.2 should_try_auth), with
	// a reason when it cannot.
	//
	// The handshake calls it twice: before message 1, with a Peer that
	// knows only the addresses (TrustDomain and IssuerKeys empty: "any
	// server"), to decide what to list in AuthMethods; and after the
	// server's response, with the server's TrustDomain and IssuerKeys, to
	// decide which methods go into the negotiation bitmask (cedar.md §4.6
	// step 1: methods the client cannot initialise are left out).
	Usable(peer *Peer) (bool, string)
	// Authenticate runs the client side. An error wrapping ErrFailed means
	// the method failed cleanly and the handshake may try the next method;
	// any other error is fatal for the connection.
	Authenticate(ctx context.Context, s *cedar.Stream, peer *Peer) error
}

// Server is the server side of one method.
type Server interface {
	// Name is the canonical method name.
	Name() string
	// Bit is the negotiation bit.
	Bit() int
	// Authenticate runs the server side and returns the client's identity.
	// Errors follow the same rule as Client.Authenticate.
	Authenticate(ctx context.Context, s *cedar.Stream, peer *Peer) (Identity, error)
}

// ServerUsable may be implemented by a Server that works only in some
// configurations (SSL without a host certificate, TOKEN without signing
// keys): the handshake leaves such a method out of the server's list when
// Usable reports false, as C++ filterAuthenticationMethods does
// (cedar.md §4.3). A Server without it is always usable.
type ServerUsable interface {
	Usable() (bool, string)
}

// ErrFailed marks a clean method failure (the peer and we agree it failed
// and the stream is at a message boundary): the handshake may retry with
// another method.
var ErrFailed = errors.New("authentication failed")

// SplitFQU splits an identity at the last '@'.
func SplitFQU(fqu string) (user, domain string) {
	if i := strings.LastIndexByte(fqu, '@'); i >= 0 {
		return fqu[:i], fqu[i+1:]
	}
	return fqu, ""
}
