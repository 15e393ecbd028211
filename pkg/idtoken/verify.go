package idtoken

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/golang-jwt/jwt/v5"
)

// VerifyOptions configure server-side token validation (tokens.md §6.2).
type VerifyOptions struct {
	// Keys locates the signing keys named by "kid".
	Keys KeyConfig
	// Now is the current time; the zero value means time.Now().
	Now time.Time
	// MaxAge is SEC_TOKEN_MAX_AGE in seconds; 0 (or negative) means unset.
	MaxAge int64
	// Revoked evaluates SEC_TOKEN_REVOCATION_EXPR over the scalar claims
	// (ClaimsAttrs); true or an error means revoked (tokens.md §6.3). nil
	// means no revocation expression.
	Revoked func(claims map[string]any) (bool, error)
}

// allowedAlgs are the algorithms HTCondor can re-sign with (tokens.md §6.2
// step 3); everything else, "none" included, is refused.
var allowedAlgs = map[string]jwt.SigningMethod{
	"HS256": jwt.SigningMethodHS256,
	"HS384": jwt.SigningMethodHS384,
	"HS512": jwt.SigningMethodHS512,
}

// Verify decodes and validates a complete token the way an HTCondor
// server does (tokens.md §6.2), in this order: decodable with well-typed
// claims, "kid" present and non-empty, "alg" one of HS256/HS384/HS512, key
// loaded by kid, signature (constant-time), SEC_TOKEN_MAX_AGE on "iat",
// "exp" (expired when now − exp > 0), non-empty "iss", non-empty "jti",
// "sub" present and no "cap", revocation, "sub" non-empty. Every failure is
// a *TokenError matching one sentinel (ErrMalformed, ErrNoKeyID, ErrAlg,
// ErrUnknownKey, ErrKeyFile, ErrBadSignature, ErrTooOld, ErrExpired,
// ErrNoIssuer, ErrNoJTI, ErrNoSubject, ErrCapability, ErrRevoked,
// ErrEmptySubject).
func Verify(raw string, opts VerifyOptions) (*Token, error) {
	tok, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	method, key, path, err := prepare(tok, opts.Keys)
	if err != nil {
		return nil, err
	}
	if err := checkSignature(tok, method, key, fmt.Sprintf("key %q (%s)", tok.Kid, path)); err != nil {
		return nil, err
	}
	if err := checkClaims(tok, opts); err != nil {
		return nil, err
	}
	return tok, nil
}

// VerifySigningInput is the server side of TOKEN authentication, where the
// client sends only "header.payload" (cedar.md §5.1, tokens.md §6.1): it
// validates the token like Verify, except for the signature, and returns
// the signature the token must carry under the local key (the secret the
// AKEP2 exchange then proves the client holds).
func VerifySigningInput(hp string, opts VerifyOptions) (*Token, []byte, error) {
	tok, err := ParseSigningInput(hp)
	if err != nil {
		return nil, nil, err
	}
	method, key, _, err := prepare(tok, opts.Keys)
	if err != nil {
		return nil, nil, err
	}
	if err := checkClaims(tok, opts); err != nil {
		return nil, nil, err
	}
	sig, err := method.Sign(tok.SigningInput, key)
	if err != nil {
		return nil, nil, tokenErr(ErrKeyFile, err, "cannot compute the token signature: "+err.Error())
	}
	tok.Signature = sig
	return tok, sig, nil
}

// VerifyWithKey checks a token's signature with the given HS key and its
// claims at time now (zero = time.Now()), without key files, max age or
// revocation; "kid" is not required. For tests and tools.
func VerifyWithKey(raw string, key []byte, now time.Time) (*Token, error) {
	tok, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := tok.ClaimsError(); err != nil {
		return nil, err
	}
	method, err := checkAlg(tok)
	if err != nil {
		return nil, err
	}
	if err := checkSignature(tok, method, key, "the given key"); err != nil {
		return nil, err
	}
	if err := checkClaims(tok, VerifyOptions{Now: now}); err != nil {
		return nil, err
	}
	return tok, nil
}

// prepare runs the header checks and loads the key.
func prepare(tok *Token, keys KeyConfig) (jwt.SigningMethod, []byte, string, error) {
	if err := tok.ClaimsError(); err != nil {
		return nil, nil, "", err
	}
	if !tok.HasKid {
		return nil, nil, "", tokenErr(ErrNoKeyID, nil, `token header has no "kid" (key ID)`)
	}
	if tok.Kid == "" {
		// HTCondor: "Client JWT has empty key ID" (no implicit POOL).
		return nil, nil, "", tokenErr(ErrNoKeyID, nil, `token header has an empty "kid" (key ID)`)
	}
	method, err := checkAlg(tok)
	if err != nil {
		return nil, nil, "", err
	}
	raw, path, err := keys.readKey(tok.Kid)
	if err != nil {
		return nil, nil, "", keyError(tok.Kid, err)
	}
	return method, DeriveSigningKey(raw, isPoolKid(tok.Kid)), path, nil
}

func keyError(kid string, err error) error {
	var kfe *KeyFileError
	if !errors.As(err, &kfe) {
		// A missing knob: the key cannot be located at all.
		msg := err.Error()
		if ce, ok := condorerr.As(err); ok {
			msg = ce.Msg
		}
		return tokenErr(ErrUnknownKey, err, fmt.Sprintf("unknown signing key %q: %s", kid, msg))
	}
	switch {
	case errors.Is(kfe.Err, fs.ErrNotExist):
		return tokenErr(ErrUnknownKey, err, fmt.Sprintf("unknown signing key %q: no file %s", kid, kfe.Path))
	case strings.HasPrefix(kfe.Reason, "invalid key name"):
		return tokenErr(ErrUnknownKey, err, fmt.Sprintf("unknown signing key %q: %s", kid, kfe.Reason))
	}
	return tokenErr(ErrKeyFile, err, fmt.Sprintf("signing key %q unusable: %s %s", kid, kfe.Path, kfe.Reason))
}

func checkAlg(tok *Token) (jwt.SigningMethod, error) {
	if m, ok := allowedAlgs[tok.Alg]; ok {
		return m, nil
	}
	switch {
	case tok.Alg == "":
		return nil, tokenErr(ErrAlg, nil, `token header has no "alg"`)
	case strings.EqualFold(tok.Alg, "none"):
		return nil, tokenErr(ErrAlg, nil, fmt.Sprintf("token alg %q not allowed: unsigned tokens are refused", tok.Alg))
	}
	return nil, tokenErr(ErrAlg, nil, fmt.Sprintf("token alg %q not allowed (only HS256, HS384, HS512)", tok.Alg))
}

func checkSignature(tok *Token, method jwt.SigningMethod, key []byte, which string) error {
	if len(tok.Signature) == 0 {
		return tokenErr(ErrBadSignature, nil, "token has no signature")
	}
	// The jwt signing method compares with hmac.Equal (constant time).
	if err := method.Verify(tok.SigningInput, tok.Signature, key); err != nil {
		return tokenErr(ErrBadSignature, nil,
			fmt.Sprintf("signature mismatch with %s: the token was signed with another key (wrong key?) or altered", which))
	}
	return nil
}

func fmtTime(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }

// checkClaims is analyze_token (tokens.md §6.2 step 2).
func checkClaims(tok *Token, opts VerifyOptions) error {
	if err := tok.ClaimsError(); err != nil {
		return err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	n := now.Unix()
	c := &tok.Claims
	if opts.MaxAge > 0 && c.HasIat {
		if age := n - c.Iat; age > opts.MaxAge {
			return tokenErr(ErrTooOld, nil, fmt.Sprintf("token issued at %s is %d seconds old, more than SEC_TOKEN_MAX_AGE = %d",
				fmtTime(c.Iat), age, opts.MaxAge))
		}
	}
	if c.HasExp && n-c.Exp > 0 {
		return tokenErr(ErrExpired, nil, fmt.Sprintf("token expired at %s (%d seconds ago)", fmtTime(c.Exp), n-c.Exp))
	}
	if c.Iss == "" {
		return tokenErr(ErrNoIssuer, nil, `token has no "iss" (issuer)`)
	}
	if c.Jti == "" {
		return tokenErr(ErrNoJTI, nil, `token has no "jti" (token ID)`)
	}
	if !c.HasSub {
		return tokenErr(ErrNoSubject, nil, `token has no "sub": capability tokens (looked up in HTCondor's token database) are not supported`)
	}
	if c.Cap {
		return tokenErr(ErrCapability, nil, `token is a capability token ("cap": true), which is not supported`)
	}
	if opts.Revoked != nil {
		revoked, err := opts.Revoked(c.Attrs())
		if err != nil {
			// HTCondor treats an evaluation failure as revoked (tokens.md §6.3).
			return tokenErr(ErrRevoked, err, "token treated as revoked: SEC_TOKEN_REVOCATION_EXPR could not be evaluated: "+err.Error())
		}
		if revoked {
			return tokenErr(ErrRevoked, nil, fmt.Sprintf("token (jti %s) revoked by SEC_TOKEN_REVOCATION_EXPR", c.Jti))
		}
	}
	if c.Sub == "" {
		return tokenErr(ErrEmptySubject, nil, `token has an empty "sub" (identity)`)
	}
	return nil
}
