package server

import (
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/pkg/authz"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
	"github.com/condor-auth/condor-auth/pkg/tokenreq"
)

// unauthenticatedFQU is Sock::getFullyQualifiedUser() of a peer without a
// mapped identity (cedar.md §4.10, pitfall 16).
const unauthenticatedFQU = "unauthenticated@unmapped"

// peerSession is what a handler knows about the session its command came
// on: the identity, the token bounds and the peer's address.
type peerSession struct {
	// identity is the FQU as HTCondor reports it (unauthenticated@unmapped
	// without a mapped identity); mapped says whether it is a real user
	// (Sock::isMappedFQU).
	identity string
	mapped   bool
	// limit is the session's LimitAuthorization (token scopes or the
	// CLAIMTOBE bound); bounded is false for an unlimited session.
	limit   []string
	bounded bool
	// expiry is the exp of the token the session authenticated with
	// (TokenExpirationTime), zero when none.
	expiry time.Time
	ip     net.IP
}

// sessionOf reads the handler request's identity and policy attributes.
func sessionOf(req *daemon.Request) peerSession {
	ps := peerSession{identity: unauthenticatedFQU, ip: daemon.PeerIP(req.Peer)}
	id := req.Identity
	if req.Authenticated {
		if f := id.FQU(); f != "" {
			ps.identity = f
		}
		ps.mapped = id.Mapped()
	}
	if v, ok := id.Policy[attrLimitAuthorization].(string); ok {
		ps.limit = tokenreq.SplitAuthz(v)
		ps.bounded = len(ps.limit) > 0
	}
	switch v := id.Policy[attrTokenExpiration].(type) {
	case int64:
		ps.expiry = time.Unix(v, 0)
	case int:
		ps.expiry = time.Unix(int64(v), 0)
	}
	return ps
}

// boundingSet is the session's authorization bounding set as
// Sock::isAuthorizationInBoundingSet sees it (tokens.md §1.3): the limit's
// items literally, their canonical names and the levels they imply, and
// always ALLOW.
func (ps peerSession) boundingSet() map[string]bool {
	set := map[string]bool{permAllow: true}
	for _, item := range ps.limit {
		set[item] = true
		if p, ok := authz.ParsePerm(item); ok {
			set[p.String()] = true
			for _, q := range p.Implies() {
				set[q.String()] = true
			}
		}
	}
	return set
}

// isAdmin is has_admin of the list and approve handlers (tokens.md §3.4,
// §8.2): the bounding set allows ADMINISTRATOR and the ADMINISTRATOR
// ALLOW/DENY lists grant it to this identity from this address.
func (g *generation) isAdmin(ps peerSession) bool {
	if ps.bounded && !ps.boundingSet()[permAdmin] {
		return false
	}
	ok, _ := g.st.authz.Verify(authz.Administrator, ps.identity, ps.ip)
	return ok
}

// caller describes the session to the token-request store.
func (g *generation) caller(req *daemon.Request, ps peerSession) tokenreq.Caller {
	return tokenreq.Caller{
		FQU:     ps.identity,
		IsAdmin: g.isAdmin(ps),
		Peer:    ps.ip,
		// Only the method counts: SSL without a client certificate is
		// "authenticated" here (tokens.md §3.2 step 4).
		Authenticated: req.Authenticated && req.Method != "" && !strings.EqualFold(req.Method, "ANONYMOUS"),
		Encrypted:     req.Encrypted,
		Limit:         slices.Clone(ps.limit),
		TokenExpiry:   ps.expiry,
	}
}

// signer mints tokens for approved requests with the default signing key
// (SEC_TOKEN_ISSUER_KEY), as generate_token does for the request handlers.
type signer struct {
	st   *settings
	now  time.Time
	rand io.Reader
}

// CheckKey is htcondor::get_token_signing_key: the key must be one this
// daemon can read (tokens.md §3.2 step 1, §4.5).
func (s signer) CheckKey() error {
	if !slices.Contains(s.st.keys.IssuerKeys(), s.st.issuerKey) {
		return condorerr.New("TOKEN_UTILS", 4, "Server does not have a signing key configured.")
	}
	return nil
}

// Sign mints a token for identity.
func (s signer) Sign(identity string, authzList []string, lifetime int64) (string, error) {
	return s.st.keys.Create(idtoken.MintOptions{Issuer: s.st.trustDomain, Subject: identity, KeyID: s.st.issuerKey,
		Authz: authzList, Lifetime: lifetime, Now: s.now, Rand: s.rand})
}
