package idtoken

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func parseSeeds() []string {
	return []string{
		vec1Token, vec2Token, vec1Token[:strings.LastIndexByte(vec1Token, '.')+1],
		"eyJhbGciOiJIUzI1NiIsImtpZCI6IlBPT0wifQ.eyJpYXQiOjE3OTU2NDA2NTcsImlzcyI6ImV4YW1wbGUubmV0IiwianRpIjoiN2QyMmEwMzkxODBkODFmOTZiMWEzMTBmNmFlZjRhYzUiLCJzdWIiOiJhbGljZUBleGFtcGxlLm5ldCJ9.AMfU0W1-JRLlex6wZSvgktu0kdOn9nSw_N-yXw3Eqq4",
		rawToken(`{"alg":"none"}`, `{"sub":"x","exp":1.5e9,"cap":true,"scope":"condor:/A,condor:/B"}`, ""),
		rawToken(`{"alg":"HS256","kid":7}`, `{"a":[{"b":null}],"s":"\ud83d\ude00\u0000"}`, "AAAA"),
		"", ".", "..", "a.b.c", "eyJ.eyJ.", "=.=.=", "A.A.A",
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Parse(s)
		if err != nil {
			if tok != nil || !isErr(err, ErrMalformed) {
				t.Fatalf("Parse error %v with token %v", err, tok)
			}
			_, _ = ParseSigningInput(s)
			_, _ = CheckToken(s, "d", []string{"POOL"})
			return
		}
		if !strings.HasPrefix(s, tok.SigningInput+".") || tok.Raw != s {
			t.Fatalf("signing input %q not a prefix of %q", tok.SigningInput, s)
		}
		if ClaimsAttrs(tok.PayloadJSON) == nil {
			t.Fatal("ClaimsAttrs rejected a payload Parse accepted")
		}
		_ = tok.ClaimsError()
		hp, err := ParseSigningInput(tok.SigningInput)
		if err != nil || hp.PayloadJSON != tok.PayloadJSON || hp.HeaderJSON != tok.HeaderJSON {
			t.Fatalf("ParseSigningInput disagrees: %v", err)
		}
		_, _ = VerifyWithKey(s, testKey, time.Unix(0, 0))
		_, _ = CheckToken(s, "", nil)
	})
}

func FuzzScrambleRoundTrip(f *testing.F) {
	f.Add([]byte(nil))
	f.Add([]byte("testpassword"))
	f.Add(bytes.Repeat([]byte{0}, 67))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := Scramble(b)
		if len(s) != len(b) {
			t.Fatalf("length %d != %d", len(s), len(b))
		}
		for i := range b {
			if s[i]^b[i] != scramblePattern[i%4] {
				t.Fatalf("byte %d: %02x ^ %02x", i, s[i], b[i])
			}
		}
		if !bytes.Equal(Scramble(s), b) {
			t.Fatal("Scramble is not its own inverse")
		}
	})
}

// FuzzMintParse: random claims → Mint → Parse / VerifyWithKey give them back.
func FuzzMintParse(f *testing.F) {
	f.Add("example.org", "alice@example.org", "", "READ,WRITE", int64(3600), int64(1700000000), "00112233445566778899aabbccddeeff")
	f.Add("d", "", "named", "", int64(-1), int64(0), "")
	f.Add("d/x", "a\"b\\c\x00\x7f\xff", "k\n", "a b,,c", int64(0), int64(-5), "j")
	f.Fuzz(func(t *testing.T, iss, sub, kid, authz string, lifetime, iat int64, jti string) {
		var list []string
		if authz != "" {
			list = strings.Split(authz, ",")
		}
		opts := MintOptions{Issuer: iss, Subject: sub, KeyID: kid, Authz: list, Lifetime: lifetime,
			Now: time.Unix(iat, 0), Jti: jti, Rand: fixedReader(1)}
		s, err := Mint(testKey, opts)
		if err != nil {
			if CheckIssuer(iss) == nil && !(lifetime > 0 && iat > math.MaxInt64-lifetime) {
				t.Fatalf("Mint failed: %v", err)
			}
			return
		}
		if len(s) > MaxTokenSize {
			return // too long to parse back by design
		}
		tok, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(Mint) = %v", err)
		}
		if err := tok.ClaimsError(); err != nil {
			t.Fatal(err)
		}
		wantKid, wantJti := kid, jti
		if wantKid == "" {
			wantKid = "POOL"
		}
		if wantJti == "" {
			wantJti = "0102030405060708090a0b0c0d0e0f10"
		}
		c := tok.Claims
		if tok.Alg != "HS256" || tok.Kid != wantKid || c.Iss != iss || c.Sub != sub || !c.HasSub || c.Jti != wantJti || c.Iat != iat {
			t.Fatalf("round trip: %+v kid=%q", c, tok.Kid)
		}
		if c.HasExp != (lifetime >= 0) || (c.HasExp && c.Exp != iat+lifetime) {
			t.Fatalf("exp %d/%v for lifetime %d", c.Exp, c.HasExp, lifetime)
		}
		if wantScope := "condor:/" + strings.Join(list, " condor:/"); (len(list) > 0) != (c.Scope != "") || (len(list) > 0 && c.Scope != wantScope) {
			t.Fatalf("scope %q for %q", c.Scope, list)
		}
		_, err = VerifyWithKey(s, testKey, time.Unix(iat, 0))
		switch {
		case sub == "":
			if !isErr(err, ErrEmptySubject) {
				t.Fatalf("VerifyWithKey = %v, want ErrEmptySubject", err)
			}
		case err != nil:
			t.Fatalf("VerifyWithKey: %v", err)
		}
		if _, err := VerifyWithKey(s, mustHex(t, vecPoolKey), time.Unix(iat, 0)); !isErr(err, ErrBadSignature) {
			t.Fatalf("other key: %v", err)
		}
	})
}

// toFloats converts int64 values to float64 so a value tree compares with
// encoding/json's.
func toFloats(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case []any:
		for i := range x {
			x[i] = toFloats(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = toFloats(x[k])
		}
	}
	return v
}

// FuzzParseJSON compares the picojson-like reader with encoding/json:
// whatever it accepts is valid JSON, and for valid UTF-8 the values agree.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2.5,-0,"x\u00e9\/",true,null,{"b":{}}]}`, `{"a":1,"a":2}`,
		`{"s":"\ud83d\ude00"}`, `{"n":123456789012345678901234}`, " {\"k\":\"\xff\"} ", `{"a":1e400}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseJSONObject(s)
		if err != nil {
			return
		}
		if !json.Valid([]byte(s)) {
			t.Fatalf("accepted invalid JSON %q", s)
		}
		if !utf8.ValidString(s) {
			return
		}
		var want any
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatalf("encoding/json rejects %q: %v", s, err)
		}
		if got := toFloats(v); !reflect.DeepEqual(got, want) {
			t.Fatalf("values differ for %q:\n%#v\n%#v", s, got, want)
		}
	})
}
