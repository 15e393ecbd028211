package idtoken

import (
	"encoding/base64"
	"fmt"
	"math"
	"strings"
)

// MaxTokenSize bounds the length of a token accepted by Parse. Real tokens
// are a few hundred bytes (real-tools.md §15: 219–294 bytes observed).
const MaxTokenSize = 64 << 10

// Token is a decoded, not necessarily verified, IDTOKEN.
type Token struct {
	// Raw is the token text as given to Parse.
	Raw string
	// HeaderJSON and PayloadJSON are the base64url-decoded segments exactly
	// as issued (so "\/" stays escaped); condor_token_list prints them
	// (tokens.md §9.8).
	HeaderJSON, PayloadJSON string
	// Alg and Kid are the header's "alg" and "kid" ("" when absent).
	Alg, Kid string
	// HasKid reports whether the header has a "kid" member.
	HasKid bool
	// Claims are the payload claims.
	Claims Claims
	// SigningInput is "header.payload", the base64url text the signature
	// covers and the text TOKEN authentication sends (cedar.md §5.1).
	SigningInput string
	// Signature is the decoded third segment (nil when it is empty, as in
	// the "header.payload." form).
	Signature []byte

	claimErr error
}

// Claims are the payload claims HTCondor looks at (tokens.md §4.2, §6.2).
type Claims struct {
	// Iss, Sub and Jti are the "iss", "sub" and "jti" string claims.
	Iss, Sub, Jti string
	// HasIss, HasSub and HasJti report whether those claims are present
	// (a present but empty "sub" is refused by servers, an absent one means
	// a capability token).
	HasIss, HasSub, HasJti bool
	// Iat is "iat" in Unix seconds; HasIat reports its presence.
	Iat    int64
	HasIat bool
	// Exp is "exp" in Unix seconds; HasExp reports its presence.
	Exp    int64
	HasExp bool
	// Scope is the raw "scope" string, e.g. "condor:/READ condor:/WRITE".
	Scope string
	// Scopes are the items of Scope split on commas and whitespace.
	Scopes []string
	// Authz are the authorization levels: the items of Scope that start
	// with "condor:/", without that prefix (tokens.md §6.2).
	Authz []string
	// Cap is the "cap" claim (capability token).
	Cap bool
	// Extra holds every payload claim as decoded (nil, bool, int64,
	// float64, string, []any, map[string]any), for revocation expressions.
	Extra map[string]any
}

// Parse decodes a token "header.payload.signature" without verifying it.
// The signature segment may be empty ("header.payload.", the form HTCondor
// servers rebuild from what TOKEN authentication sends). Errors match
// ErrMalformed. A token whose claims have the wrong JSON types still parses
// (condor_token_list prints such tokens); ClaimsError reports the problem
// and Verify refuses it.
func Parse(s string) (*Token, error) {
	if len(s) > MaxTokenSize {
		return nil, malformed("token is %d bytes, more than the %d allowed", len(s), MaxTokenSize)
	}
	first := strings.IndexByte(s, '.')
	if first < 0 {
		return nil, malformed("token has 1 segment, expected 3 (header.payload.signature)")
	}
	second := strings.IndexByte(s[first+1:], '.')
	if second < 0 {
		return nil, malformed("token has 2 segments, expected 3 (header.payload.signature)")
	}
	second += first + 1
	if n := strings.Count(s, ".") + 1; n != 3 {
		return nil, malformed("token has %d segments, expected 3 (header.payload.signature)", n)
	}
	hdr, err := decodeSegment("header", s[:first])
	if err != nil {
		return nil, err
	}
	pay, err := decodeSegment("payload", s[first+1:second])
	if err != nil {
		return nil, err
	}
	sig, err := decodeSegment("signature", s[second+1:])
	if err != nil {
		return nil, err
	}
	hobj, err := parseJSONObject(string(hdr))
	if err != nil {
		return nil, malformed("token header is not a JSON object: %v", err)
	}
	pobj, err := parseJSONObject(string(pay))
	if err != nil {
		return nil, malformed("token payload is not a JSON object: %v", err)
	}
	t := &Token{
		Raw:          s,
		HeaderJSON:   string(hdr),
		PayloadJSON:  string(pay),
		SigningInput: s[:second],
	}
	if len(sig) > 0 {
		t.Signature = sig
	}
	t.fillHeader(hobj)
	t.fillClaims(pobj)
	return t, nil
}

// ParseSigningInput decodes "header.payload", the text a TOKEN client sends
// instead of the whole token (cedar.md §5.1; the server appends "." and
// decodes that). Raw is set to hp.
func ParseSigningInput(hp string) (*Token, error) {
	if n := strings.Count(hp, ".") + 1; n != 2 {
		return nil, malformed("signing input has %d segments, expected 2 (header.payload)", n)
	}
	t, err := Parse(hp + ".")
	if err != nil {
		return nil, err
	}
	t.Raw = hp
	return t, nil
}

// ClaimsError reports a claim or header member with the wrong JSON type
// ("exp" not a number, "sub" not a string, ...), which HTCondor treats as an
// undecodable token when it uses the token. It matches ErrMalformed.
func (t *Token) ClaimsError() error { return t.claimErr }

// ClaimsAttrs decodes a payload JSON object and returns the claims that
// become ClassAd attributes for SEC_TOKEN_REVOCATION_EXPR: bool, int64,
// float64 and string values; null, arrays and objects are skipped
// (tokens.md §6.3). It returns nil if payloadJSON is not a JSON object.
func ClaimsAttrs(payloadJSON string) map[string]any {
	obj, err := parseJSONObject(payloadJSON)
	if err != nil {
		return nil
	}
	return scalarClaims(obj)
}

// Attrs returns the scalar claims of c.Extra (see ClaimsAttrs).
func (c Claims) Attrs() map[string]any { return scalarClaims(c.Extra) }

func scalarClaims(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		switch v.(type) {
		case bool, int64, float64, string:
			out[k] = v
		}
	}
	return out
}

func malformed(format string, args ...any) *TokenError {
	return tokenErr(ErrMalformed, nil, fmt.Sprintf(format, args...))
}

// decodeSegment decodes one base64url segment the way jwt-cpp does for
// HTCondor: the URL alphabet only ('=' padding, '+', '/', whitespace and
// line breaks are refused), a length of 4n+1 is refused, and non-zero
// trailing bits are tolerated.
func decodeSegment(name, seg string) ([]byte, error) {
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, malformed("token %s is not base64url: byte 0x%02x at offset %d", name, c, i)
		}
	}
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, malformed("token %s is not base64url: length %d is impossible", name, len(seg))
	}
	return b, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

func (t *Token) noteClaimErr(where, name string, v any, want string) {
	if t.claimErr == nil {
		t.claimErr = malformed("token %s %q is %s, not %s", where, name, jsonType(v), want)
	}
}

func (t *Token) fillHeader(h map[string]any) {
	if v, ok := h["alg"]; ok {
		if s, ok := v.(string); ok {
			t.Alg = s
		} else {
			t.noteClaimErr("header member", "alg", v, "a string")
		}
	}
	if v, ok := h["kid"]; ok {
		t.HasKid = true
		if s, ok := v.(string); ok {
			t.Kid = s
		} else {
			t.noteClaimErr("header member", "kid", v, "a string")
		}
	}
}

func (t *Token) stringClaim(p map[string]any, name string, dst *string, has *bool) {
	v, ok := p[name]
	if !ok {
		return
	}
	s, ok := v.(string)
	if !ok {
		t.noteClaimErr("claim", name, v, "a string")
		return
	}
	*dst = s
	if has != nil {
		*has = true
	}
}

// dateClaim reads "iat"/"exp": an integer, or a number rounded to the
// nearest second (jwt-cpp as_date uses std::round).
func (t *Token) dateClaim(p map[string]any, name string, dst *int64, has *bool) {
	v, ok := p[name]
	if !ok {
		return
	}
	switch n := v.(type) {
	case int64:
		*dst, *has = n, true
	case float64:
		r := math.Round(n)
		if math.IsNaN(r) || r < math.MinInt64 || r >= math.MaxInt64 {
			t.noteClaimErr("claim", name, v, "a time in range")
			return
		}
		*dst, *has = int64(r), true
	default:
		t.noteClaimErr("claim", name, v, "a number")
	}
}

func (t *Token) fillClaims(p map[string]any) {
	c := &t.Claims
	c.Extra = p
	t.stringClaim(p, "iss", &c.Iss, &c.HasIss)
	t.stringClaim(p, "sub", &c.Sub, &c.HasSub)
	t.stringClaim(p, "jti", &c.Jti, &c.HasJti)
	t.stringClaim(p, "scope", &c.Scope, nil)
	t.dateClaim(p, "iat", &c.Iat, &c.HasIat)
	t.dateClaim(p, "exp", &c.Exp, &c.HasExp)
	if v, ok := p["cap"]; ok {
		if b, ok := v.(bool); ok {
			c.Cap = b
		} else {
			t.noteClaimErr("claim", "cap", v, "a boolean")
		}
	}
	// The scope is split on commas and whitespace (StringTokenIterator's
	// default delimiters); "condor:/X" items are authorization levels
	// (tokens.md §6.2).
	for _, item := range strings.FieldsFunc(c.Scope, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	}) {
		if item = trimSpace(item); item == "" {
			continue
		}
		c.Scopes = append(c.Scopes, item)
		if rest, ok := strings.CutPrefix(item, "condor:/"); ok {
			c.Authz = append(c.Authz, rest)
		}
	}
}

// isSpace is C isspace() in the "C" locale, which HTCondor's trim() uses.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// trimSpace removes leading and trailing isspace() bytes (HTCondor trim()).
func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}
