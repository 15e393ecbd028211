package token

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"io"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// ServerConfig configures the server side of TOKEN (tokens.md §6).
type ServerConfig struct {
	// Keys locates the signing keys named by the tokens' "kid"
	// (SEC_TOKEN_POOL_SIGNING_KEY_FILE, SEC_PASSWORD_DIRECTORY).
	Keys idtoken.KeyConfig
	// MaxAge is SEC_TOKEN_MAX_AGE in seconds; 0 means unset.
	MaxAge int64
	// Revoked evaluates SEC_TOKEN_REVOCATION_EXPR over the token's scalar
	// claims; true or an error means revoked (tokens.md §6.3). nil means no
	// revocation expression.
	Revoked func(claims map[string]any) (bool, error)
	// Name is B, the name the server gives itself; "" means
	// DefaultServerName ("condor@password", for clients of 23.9.0 and
	// later; older ones expect "condor_pool@<UID_DOMAIN>").
	Name string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand supplies the 256-byte nonce Rb; nil means crypto/rand.
	Rand io.Reader
}

// Server is the server side of TOKEN. It is safe for concurrent use.
type Server struct {
	cfg ServerConfig
}

// NewServer returns the TOKEN server for cfg.
func NewServer(cfg ServerConfig) *Server {
	if cfg.Name == "" {
		cfg.Name = DefaultServerName
	}
	return &Server{cfg: cfg}
}

// Name returns "TOKEN".
func (sv *Server) Name() string { return "TOKEN" }

// Bit returns auth.BitToken.
func (sv *Server) Bit() int { return auth.BitToken }

func (sv *Server) now() time.Time {
	if sv.cfg.Now != nil {
		return sv.cfg.Now()
	}
	return time.Now()
}

func (sv *Server) rand() io.Reader {
	if sv.cfg.Rand != nil {
		return sv.cfg.Rand
	}
	return rand.Reader
}

// Authenticate runs the server side (doServerRec1/doServerRec2, cedar.md
// §5.1; validation per tokens.md §6.2 through idtoken.VerifySigningInput).
// On success the identity is the token's "sub" split at the last '@' (domain
// lower-cased) and Identity.Policy holds LimitAuthorization,
// AuthTokenScopes, AuthTokenSubject, AuthTokenIssuer, AuthTokenId and
// TokenExpirationTime as they apply. A refused token (wrong or unknown key,
// expired, too old, revoked, bad alg, missing claims, name mismatch) or a
// failed proof is a clean failure wrapping auth.ErrFailed and, where there
// is one, the idtoken error (e.g. idtoken.ErrExpired): the server has sent
// its error-status message and read the client's last message. Other errors
// leave the connection unusable. Cancelling ctx closes the connection.
func (sv *Server) Authenticate(ctx context.Context, s *cedar.Stream, peer *auth.Peer) (auth.Identity, error) {
	if err := ctx.Err(); err != nil {
		return auth.Identity{}, err
	}
	if peer == nil {
		peer = &auth.Peer{}
	}
	stop := watch(ctx, s)
	defer stop()
	id, err := sv.authenticate(s, peer)
	if err != nil {
		return auth.Identity{}, fatal(ctx, err)
	}
	return id, nil
}

func (sv *Server) authenticate(s *cedar.Stream, peer *auth.Peer) (auth.Identity, error) {
	// Message 1 (server_receive_one).
	m1, err := readMessage1(s)
	if err != nil {
		return auth.Identity{}, err
	}
	tok, k, rb, refusal := sv.accept(&m1)

	// Message 2 (server_send).
	m2 := errorMessage2()
	if refusal == nil {
		m2 = message2{
			Status: statusOK,
			ALen:   int32(len(m1.A)), A: m1.A,
			BLen: int32(len(sv.cfg.Name)), B: sv.cfg.Name,
			RaLen: NonceLen, Ra: m1.Ra,
			RbLen: NonceLen, Rb: rb,
			HKTLen: macLen, HKT: computeHKT(k, m1.A, sv.cfg.Name, m1.Ra, rb),
		}
	}
	if err := m2.put(s); err != nil {
		return auth.Identity{}, err
	}

	// Message 3 (server_receive_two, server_check_hk_validity).
	m3, err := readMessage3(s)
	if err != nil {
		return auth.Identity{}, err
	}
	if refusal != nil {
		peer.Note("%v", refusal)
		return auth.Identity{}, refusal
	}
	if err := checkMessage3(&m3, tok, m1.A, k, rb); err != nil {
		peer.Note("%v", err)
		return auth.Identity{}, err
	}
	return identity(tok), nil
}

// accept validates message 1 and the token it carries and prepares the
// server's half of the exchange. A non-nil error is the clean refusal to
// report after the exchange completes.
func (sv *Server) accept(m1 *message1) (tok *idtoken.Token, k, rb []byte, refusal error) {
	switch {
	case m1.Status != statusOK:
		return nil, nil, nil, failed(nil, "the client reported an error (it has no usable token)")
	case m1.RaLen != NonceLen:
		return nil, nil, nil, failed(nil, "the client sent a nonce Ra of %d bytes, want %d", m1.RaLen, NonceLen)
	}
	tok, sig, err := idtoken.VerifySigningInput(m1.HP, idtoken.VerifyOptions{
		Keys:    sv.cfg.Keys,
		Now:     sv.now(),
		MaxAge:  sv.cfg.MaxAge,
		Revoked: sv.cfg.Revoked,
	})
	if err != nil {
		return nil, nil, nil, failed(err, "refused the token presented by %q", m1.A)
	}
	if m1.A != tok.Claims.Sub {
		// HTCondor checks this only after message 3, which leaves both
		// peers waiting (cedar.md §5.1); refusing here keeps them in step.
		return nil, nil, nil, failed(nil, "the client calls itself %q but the token's subject is %q (jti %s)",
			m1.A, tok.Claims.Sub, tok.Claims.Jti)
	}
	k, _, err = deriveK(sig, m1.HP)
	if err != nil {
		return nil, nil, nil, failed(err, "token of %q (jti %s)", m1.A, tok.Claims.Jti)
	}
	rb = make([]byte, NonceLen)
	if _, err := io.ReadFull(sv.rand(), rb); err != nil {
		return nil, nil, nil, failed(err, "generating the random nonce Rb")
	}
	return tok, k, rb, nil
}

// checkMessage3 applies server_receive_two's consistency checks and
// server_check_hk_validity.
func checkMessage3(m3 *message3, tok *idtoken.Token, a string, k, rb []byte) error {
	c := &tok.Claims
	switch {
	case m3.Status != statusOK:
		// The client found our hkt wrong: our re-derived signature differs
		// from the token's.
		return failed(idtoken.ErrBadSignature, "the client rejected the server's proof for the token of %q (jti %s, kid %q): "+
			"the token was not signed with signing key %q here (another key of that name, or the token was altered)",
			a, c.Jti, tok.Kid, tok.Kid)
	case m3.RbLen != NonceLen || m3.A != a || int(m3.ALen) != len(m3.A) || !bytes.Equal(m3.Rb, rb):
		return failed(nil, "the client's last message does not match the exchange (name %q, nonce of %d bytes)", m3.A, m3.RbLen)
	case !hmac.Equal(m3.HK, computeHK(k, a, rb)):
		return failed(idtoken.ErrBadSignature, "the client's proof (hk) for the token of %q (jti %s) is wrong: "+
			"it does not hold the token's signature", a, c.Jti)
	}
	return nil
}

// identity builds the authenticated identity and the session policy
// attributes of tokens.md §6.2 steps 5–6. TOKEN sets no authenticated name,
// so CERTIFICATE_MAPFILE does not apply (cedar.md §4.6 step 5).
func identity(tok *idtoken.Token) auth.Identity {
	c := &tok.Claims
	user, domain := auth.SplitFQU(c.Sub)
	policy := map[string]any{
		"AuthTokenSubject": c.Sub,
		"AuthTokenIssuer":  c.Iss,
	}
	if c.Jti != "" {
		policy["AuthTokenId"] = c.Jti
	}
	if len(c.Authz) > 0 {
		policy["LimitAuthorization"] = strings.Join(c.Authz, ",")
	}
	if len(c.Scopes) > 0 {
		policy["AuthTokenScopes"] = strings.Join(c.Scopes, ",")
	}
	if c.HasExp && c.Exp > 0 {
		policy["TokenExpirationTime"] = c.Exp
	}
	return auth.Identity{
		User:   user,
		Domain: strings.ToLower(domain),
		Method: "TOKEN",
		Policy: policy,
	}
}

var _ auth.Server = (*Server)(nil)
