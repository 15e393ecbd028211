package idtoken

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/golang-jwt/jwt/v5"
)

// MintOptions describe a token to issue (generate_token, tokens.md §4).
type MintOptions struct {
	// Issuer is the "iss" claim, TRUST_DOMAIN of the issuing process.
	Issuer string
	// Subject is the "sub" claim, written verbatim (even when empty, as
	// condor_token_create without -identity does).
	Subject string
	// KeyID is the "kid" header member; "" means "POOL".
	KeyID string
	// Authz are the authorization levels for "scope", in order, duplicates
	// kept, not validated; none means no "scope" claim.
	Authz []string
	// Lifetime in seconds: >= 0 adds "exp" = iat + Lifetime (0 gives an
	// already expiring token), < 0 means no "exp".
	Lifetime int64
	// Now is the issue time ("iat"); the zero value means time.Now().
	Now time.Time
	// Rand is the source of the 16 random "jti" bytes; nil means
	// crypto/rand.
	Rand io.Reader
	// Jti, when non-empty, is used verbatim instead of random bytes
	// (tests, known-answer vectors).
	Jti string
}

// headerB64POOL is base64url(`{"alg":"HS256","kid":"POOL"}`), the first
// segment of every POOL token (tokens.md §4.1).
const headerB64POOL = "eyJhbGciOiJIUzI1NiIsImtpZCI6IlBPT0wifQ"

// CheckIssuer validates a TRUST_DOMAIN for use as "iss" like
// generate_token (tokens.md §4.2): empty → "PASSWD:1:Issuer namespace is
// not set"; a comma, space or tab → "PASSWD:1:Issuer namespace may not
// contain spaces or commas".
func CheckIssuer(issuer string) error {
	if issuer == "" {
		return condorerr.New("PASSWD", 1, "Issuer namespace is not set")
	}
	if strings.ContainsAny(issuer, ", \t") {
		return condorerr.New("PASSWD", 1, "Issuer namespace may not contain spaces or commas")
	}
	return nil
}

// Mint signs a token with the 32-byte HS256 key (see SigningKey) and
// returns it with HTCondor's exact bytes: header {"alg":"HS256","kid":…},
// payload keys in bytewise order (exp, iat, iss, jti, scope, sub), only
// the claims that apply, picojson escaping, base64url without padding
// (tokens.md §4.1–§4.3). Errors are *condorerr.Error.
func Mint(key []byte, opts MintOptions) (string, error) {
	if err := CheckIssuer(opts.Issuer); err != nil {
		return "", err
	}
	if len(key) == 0 {
		return "", condorerr.New("PASSWD", 1, "Failed to derive key for JWT signature")
	}
	jti := opts.Jti
	if jti == "" {
		r := opts.Rand
		if r == nil {
			r = rand.Reader
		}
		var b [16]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", condorerr.New("PASSWD", 1, "Failed to generate JTI").WithCause(err)
		}
		jti = hex.EncodeToString(b[:]) // randomHexKey(16): 32 lowercase hex digits
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	iat := now.Unix()
	if opts.Lifetime > 0 && iat > math.MaxInt64-opts.Lifetime {
		return "", condorerr.New("PASSWD", 1, "Token lifetime %d is too large", opts.Lifetime)
	}
	kid := opts.KeyID
	if kid == "" {
		kid = PoolKeyID
	}

	var hdr string
	if kid == PoolKeyID {
		hdr = headerB64POOL
	} else {
		h := append([]byte(`{"alg":"HS256","kid":`), appendJSONString(nil, kid)...)
		hdr = base64.RawURLEncoding.EncodeToString(append(h, '}'))
	}

	// Keys in std::map (bytewise) order: exp, iat, iss, jti, scope, sub.
	p := make([]byte, 0, 256)
	p = append(p, '{')
	if opts.Lifetime >= 0 {
		p = append(p, `"exp":`...)
		p = strconv.AppendInt(p, iat+opts.Lifetime, 10)
		p = append(p, ',')
	}
	p = append(p, `"iat":`...)
	p = strconv.AppendInt(p, iat, 10)
	p = append(p, `,"iss":`...)
	p = appendJSONString(p, opts.Issuer)
	p = append(p, `,"jti":`...)
	p = appendJSONString(p, jti)
	if len(opts.Authz) > 0 {
		p = append(p, `,"scope":`...)
		p = appendJSONString(p, "condor:/"+strings.Join(opts.Authz, " condor:/"))
	}
	p = append(p, `,"sub":`...)
	p = appendJSONString(p, opts.Subject)
	p = append(p, '}')

	signingInput := hdr + "." + base64.RawURLEncoding.EncodeToString(p)
	sig, err := jwt.SigningMethodHS256.Sign(signingInput, key)
	if err != nil {
		return "", condorerr.New("PASSWD", 1, "Failed to sign token: %v", err)
	}
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Create reads the signing key opts.KeyID (default POOL) and mints the
// token, which is what condor_token_create does (tokens.md §9.3). As in
// HTCondor the key is read before the issuer is checked, so a missing key
// reports "TOKEN:1:Failed to read file <path> securely.".
func (kc KeyConfig) Create(opts MintOptions) (string, error) {
	key, err := kc.SigningKey(opts.KeyID)
	if err != nil {
		return "", err
	}
	tok, err := Mint(key, opts)
	if err != nil {
		return "", err
	}
	return tok, nil
}
