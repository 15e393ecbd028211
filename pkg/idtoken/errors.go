package idtoken

import "errors"

// Sentinel errors for token decoding and verification. Every error returned
// by Parse, Verify, VerifyWithKey and VerifySigningInput matches exactly one
// of them with errors.Is; the error's own message names the precise cause
// (which claim, which key file, which time). Messages never contain key
// bytes or signatures.
var (
	// ErrMalformed: the token is not a decodable JWT (segments, base64url,
	// JSON, size, claim types).
	ErrMalformed = errors.New("malformed token")
	// ErrNoKeyID: the header has no "kid" or an empty one ("Client JWT has
	// empty key ID", tokens.md §6.2 step 1).
	ErrNoKeyID = errors.New("token has no key ID")
	// ErrUnknownKey: the signing key named by "kid" does not exist here (no
	// file, invalid name, or the knob locating it is unset).
	ErrUnknownKey = errors.New("unknown signing key")
	// ErrKeyFile: the signing key file exists but cannot be used (owner,
	// mode, type, size, read error).
	ErrKeyFile = errors.New("signing key file unusable")
	// ErrAlg: the header's "alg" is not HS256, HS384 or HS512 ("none"
	// included).
	ErrAlg = errors.New("signature algorithm not allowed")
	// ErrBadSignature: the signature does not match the signing input under
	// the key (wrong key, or the token was altered).
	ErrBadSignature = errors.New("signature mismatch")
	// ErrTooOld: "iat" is older than SEC_TOKEN_MAX_AGE allows.
	ErrTooOld = errors.New("token too old")
	// ErrExpired: now is after "exp".
	ErrExpired = errors.New("token expired")
	// ErrNoIssuer: "iss" is missing or empty.
	ErrNoIssuer = errors.New("token has no issuer")
	// ErrNoJTI: "jti" is missing or empty.
	ErrNoJTI = errors.New("token has no jti")
	// ErrNoSubject: "sub" is missing; HTCondor would look the token up in a
	// capability database, which condor-auth does not have.
	ErrNoSubject = errors.New("token has no subject")
	// ErrCapability: the token carries "cap": true (capability tokens need
	// HTCondor's token database, which condor-auth does not have).
	ErrCapability = errors.New("capability tokens not supported")
	// ErrRevoked: SEC_TOKEN_REVOCATION_EXPR matched the token or could not
	// be evaluated (tokens.md §6.3).
	ErrRevoked = errors.New("token revoked")
	// ErrEmptySubject: "sub" is present but empty ("Impossible token: token
	// was validated with empty username.").
	ErrEmptySubject = errors.New("token has an empty subject")
)

// TokenError is the concrete error of token decoding and verification. Kind
// is one of the sentinel errors above (errors.Is matches it), Msg is the
// complete human-readable message, and Cause, when set, is the underlying
// error (for example a *condorerr.Error with a KeyFileError inside).
type TokenError struct {
	Kind  error
	Msg   string
	Cause error
}

// Error returns the message.
func (e *TokenError) Error() string { return e.Msg }

// Is reports whether target is this error's Kind.
func (e *TokenError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the cause, if any.
func (e *TokenError) Unwrap() error { return e.Cause }

func tokenErr(kind error, cause error, msg string) *TokenError {
	return &TokenError{Kind: kind, Msg: msg, Cause: cause}
}
