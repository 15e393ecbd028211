package idtoken

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// signed builds a token from literal header and payload JSON, signed with
// alg ("" = no signature).
func signed(t testing.TB, header, payload, alg string, key []byte) string {
	t.Helper()
	in := b64(header) + "." + b64(payload)
	if alg == "" {
		return in + "."
	}
	sig, err := jwt.GetSigningMethod(alg).Sign(in, key)
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestVerify(t *testing.T) {
	kc := keyDir(t)
	pool := mustHex(t, vecPoolKey)
	named := mustHex(t, vecNamedKey)
	now := time.Unix(1700000000, 0)
	const goodPay = `{"exp":1700000000,"iat":1699999000,"iss":"example.org","jti":"abc","sub":"alice@example.org"}`
	tamper := func(s string, seg int) string {
		parts := strings.Split(s, ".")
		b := []byte(parts[seg])
		if b[3] == 'A' {
			b[3] = 'B'
		} else {
			b[3] = 'A'
		}
		parts[seg] = string(b)
		return strings.Join(parts, ".")
	}
	good := signed(t, hdrPOOL, goodPay, "HS256", pool)
	cases := []struct {
		name  string
		token string
		opts  func(*VerifyOptions)
		kind  error
		msg   string
	}{
		{"good, exp == now", good, nil, nil, ""},
		{"HS384", signed(t, `{"alg":"HS384","kid":"POOL"}`, goodPay, "HS384", pool), nil, nil, ""},
		{"HS384 signature, HS256 header", signed(t, hdrPOOL, goodPay, "HS384", pool), nil, ErrBadSignature, ""},
		{"HS512 named", signed(t, `{"alg":"HS512","kid":"named"}`, goodPay, "HS512", named), nil, nil, ""},
		{"expired one second", good, func(o *VerifyOptions) { o.Now = now.Add(time.Second) }, ErrExpired,
			"token expired at 2023-11-14T22:13:20Z (1 seconds ago)"},
		{"tampered payload", b64(hdrPOOL) + "." + b64(strings.Replace(goodPay, "alice", "admin", 1)) + "." + strings.Split(good, ".")[2],
			nil, ErrBadSignature, "signature mismatch with key \"POOL\" (" + kc.PoolKeyFile + "): the token was signed with another key (wrong key?) or altered"},
		{"tampered signature", tamper(good, 2), nil, ErrBadSignature, ""},
		{"wrong key", signed(t, hdrPOOL, goodPay, "HS256", named), nil, ErrBadSignature, ""},
		{"no signature", signed(t, hdrPOOL, goodPay, "", nil), nil, ErrBadSignature, "token has no signature"},
		{"alg none", signed(t, `{"alg":"none","kid":"POOL"}`, goodPay, "", nil), nil, ErrAlg,
			`token alg "none" not allowed: unsigned tokens are refused`},
		{"alg None with sig", signed(t, `{"alg":"None","kid":"POOL"}`, goodPay, "HS256", pool), nil, ErrAlg, ""},
		{"RS256", signed(t, `{"alg":"RS256","kid":"POOL"}`, goodPay, "HS256", pool), nil, ErrAlg,
			`token alg "RS256" not allowed (only HS256, HS384, HS512)`},
		{"no alg", signed(t, `{"kid":"POOL"}`, goodPay, "HS256", pool), nil, ErrAlg, `token header has no "alg"`},
		{"unknown kid", signed(t, `{"alg":"HS256","kid":"x"}`, goodPay, "HS256", pool), nil, ErrUnknownKey,
			`unknown signing key "x": no file ` + kc.PasswordDir + "/x"},
		{"kid with slash", signed(t, `{"alg":"HS256","kid":"../passwords.d/POOL"}`, goodPay, "HS256", pool), nil, ErrUnknownKey,
			`unknown signing key "../passwords.d/POOL": invalid key name: key name contains '/'`},
		{"no kid", signed(t, `{"alg":"HS256"}`, goodPay, "HS256", pool), nil, ErrNoKeyID, `token header has no "kid" (key ID)`},
		{"empty kid", signed(t, `{"alg":"HS256","kid":""}`, goodPay, "HS256", pool), nil, ErrNoKeyID, `token header has an empty "kid" (key ID)`},
		{"no dir knob", good, func(o *VerifyOptions) { o.Keys.PoolKeyFile = "" }, ErrUnknownKey,
			`unknown signing key "POOL": No master pool token key setup in SEC_TOKEN_POOL_SIGNING_KEY_FILE`},
		{"no jti", signed(t, hdrPOOL, `{"iat":1,"iss":"example.org","sub":"a@b"}`, "HS256", pool), nil, ErrNoJTI, `token has no "jti" (token ID)`},
		{"empty jti", signed(t, hdrPOOL, `{"iss":"example.org","jti":"","sub":"a@b"}`, "HS256", pool), nil, ErrNoJTI, ""},
		{"no iss", signed(t, hdrPOOL, `{"jti":"j","sub":"a@b"}`, "HS256", pool), nil, ErrNoIssuer, `token has no "iss" (issuer)`},
		{"empty iss", signed(t, hdrPOOL, `{"iss":"","jti":"j","sub":"a@b"}`, "HS256", pool), nil, ErrNoIssuer, ""},
		{"empty sub", signed(t, hdrPOOL, `{"iss":"d","jti":"j","sub":""}`, "HS256", pool), nil, ErrEmptySubject,
			`token has an empty "sub" (identity)`},
		{"no sub", signed(t, hdrPOOL, `{"iss":"d","jti":"j"}`, "HS256", pool), nil, ErrNoSubject, ""},
		{"capability", signed(t, hdrPOOL, `{"cap":true,"iss":"d","jti":"j","sub":"a"}`, "HS256", pool), nil, ErrCapability, ""},
		{"bad claim type", signed(t, hdrPOOL, `{"exp":"x","iss":"d","jti":"j","sub":"a"}`, "HS256", pool), nil, ErrMalformed,
			`token claim "exp" is a string, not a number`},
		{"garbage", "not a token", nil, ErrMalformed, ""},
		{"too old", good, func(o *VerifyOptions) { o.MaxAge = 999 }, ErrTooOld,
			"token issued at 2023-11-14T21:56:40Z is 1000 seconds old, more than SEC_TOKEN_MAX_AGE = 999"},
		{"max age boundary", good, func(o *VerifyOptions) { o.MaxAge = 1000 }, nil, ""},
		{"revoked", good, func(o *VerifyOptions) {
			o.Revoked = func(c map[string]any) (bool, error) {
				return c["sub"] == "alice@example.org" && c["iat"] == int64(1699999000), nil
			}
		}, ErrRevoked, "token (jti abc) revoked by SEC_TOKEN_REVOCATION_EXPR"},
		{"not revoked", good, func(o *VerifyOptions) {
			o.Revoked = func(c map[string]any) (bool, error) { return c["jti"] == "other", nil }
		}, nil, ""},
		{"revocation error", good, func(o *VerifyOptions) {
			o.Revoked = func(map[string]any) (bool, error) { return false, errors.New("UNDEFINED") }
		}, ErrRevoked, "token treated as revoked: SEC_TOKEN_REVOCATION_EXPR could not be evaluated: UNDEFINED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := VerifyOptions{Keys: kc, Now: now}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			tok, err := Verify(tc.token, opts)
			if tc.kind == nil {
				if err != nil || tok == nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("Verify error = %v, want %v", err, tc.kind)
			}
			var te *TokenError
			if !errors.As(err, &te) || te.Kind != tc.kind {
				t.Errorf("not a TokenError of kind %v: %T", tc.kind, err)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Errorf("message = %q\nwant      %q", err, tc.msg)
			}
			assertNoSecrets(t, err.Error(), tc.token, pool, named)
		})
	}
}

// assertNoSecrets checks that a message contains no signature and no key.
func assertNoSecrets(t *testing.T, msg, token string, keys ...[]byte) {
	t.Helper()
	if parts := strings.Split(token, "."); len(parts) == 3 && len(parts[2]) > 8 && strings.Contains(msg, parts[2]) {
		t.Errorf("message contains the signature: %s", msg)
	}
	for _, k := range keys {
		if strings.Contains(msg, hex.EncodeToString(k)) || strings.Contains(msg, string(k)) {
			t.Errorf("message contains a key: %s", msg)
		}
	}
}

func TestVerifyKeyFileUnusable(t *testing.T) {
	kc := keyDir(t)
	must(t, os.Chmod(kc.PoolKeyFile, 0o644))
	tok := signed(t, hdrPOOL, payMin, "HS256", mustHex(t, vecPoolKey))
	_, err := Verify(tok, VerifyOptions{Keys: kc, Now: time.Unix(2, 0)})
	if !errors.Is(err, ErrKeyFile) {
		t.Fatalf("Verify = %v, want ErrKeyFile", err)
	}
	want := `signing key "POOL" unusable: ` + kc.PoolKeyFile + " mode 0644 allows group/other access (must be 0600 or stricter)"
	if err.Error() != want {
		t.Errorf("message = %q\nwant %q", err, want)
	}
	var kfe *KeyFileError
	if !errors.As(err, &kfe) || kfe.Path != kc.PoolKeyFile {
		t.Errorf("KeyFileError not reachable: %v", kfe)
	}
	// The legacy text is still reachable.
	if !strings.Contains(errors.Unwrap(err).Error(), "TOKEN:1:Failed to read file "+kc.PoolKeyFile+" securely.") {
		t.Errorf("cause = %v", errors.Unwrap(err))
	}
}

func TestVerifySigningInput(t *testing.T) {
	kc := keyDir(t)
	tok, sig, err := VerifySigningInput(strings.TrimSuffix(vec1Token, "."+vec1SigB64), VerifyOptions{Keys: kc, Now: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(sig) != vec1SigHex || hex.EncodeToString(tok.Signature) != vec1SigHex {
		t.Errorf("signature = %x", sig)
	}
	hp := b64(`{"alg":"HS512","kid":"named"}`) + "." + b64(payMin)
	_, sig, err = VerifySigningInput(hp, VerifyOptions{Keys: kc, Now: time.Unix(2, 0)})
	if err != nil || len(sig) != 64 {
		t.Fatalf("HS512 = %x, %v", sig, err)
	}
	for _, tc := range []struct {
		in   string
		kind error
	}{
		{strings.TrimSuffix(vec1Token, "."+vec1SigB64), ErrExpired},
		{vec1Token, ErrMalformed},
		{b64(`{"alg":"none","kid":"POOL"}`) + "." + b64(payMin), ErrAlg},
		{b64(`{"alg":"HS256","kid":""}`) + "." + b64(payMin), ErrNoKeyID},
	} {
		if _, _, err := VerifySigningInput(tc.in, VerifyOptions{Keys: kc, Now: time.Unix(1800000000, 0)}); !errors.Is(err, tc.kind) {
			t.Errorf("VerifySigningInput(%.40s…) = %v, want %v", tc.in, err, tc.kind)
		}
	}
}

func TestVerifyWithKeyDefaultsNow(t *testing.T) {
	s, err := Mint(testKey, MintOptions{Issuer: "d", Subject: "s", Lifetime: 60, Jti: "j"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyWithKey(s, testKey, time.Time{}); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	s, _ = Mint(testKey, MintOptions{Issuer: "d", Subject: "s", Lifetime: 60, Jti: "j", Now: time.Now().Add(-2 * time.Minute)})
	if _, err := VerifyWithKey(s, testKey, time.Time{}); !errors.Is(err, ErrExpired) {
		t.Fatalf("old token: %v", err)
	}
	// kid is not required by VerifyWithKey.
	if _, err := VerifyWithKey(signed(t, `{"alg":"HS256"}`, payMin, "HS256", testKey), testKey, time.Unix(2, 0)); err != nil {
		t.Errorf("no kid: %v", err)
	}
}
