package idtoken

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func rawToken(header, payload, sig string) string {
	return b64(header) + "." + b64(payload) + "." + sig
}

const (
	hdrPOOL = `{"alg":"HS256","kid":"POOL"}`
	payMin  = `{"iat":1,"iss":"d","jti":"j","sub":"u@d"}`
)

func TestParseErrors(t *testing.T) {
	h, p := b64(hdrPOOL), b64(payMin)
	cases := []struct{ name, in, want string }{
		{"one segment", h, "token has 1 segment, expected 3 (header.payload.signature)"},
		{"two segments", h + "." + p, "token has 2 segments, expected 3 (header.payload.signature)"},
		{"four segments", h + "." + p + ".AA.AA", "token has 4 segments, expected 3 (header.payload.signature)"},
		{"padding", h + "=." + p + ".", "token header is not base64url: byte 0x3d at offset 38"},
		{"std alphabet", h + "." + p + ".ab+c", "token signature is not base64url: byte 0x2b at offset 2"},
		{"slash", h + "." + p + ".ab/c", "token signature is not base64url: byte 0x2f at offset 2"},
		{"space", " " + h + "." + p + ".", "token header is not base64url: byte 0x20 at offset 0"},
		{"newline", h + "." + p + "\n.", "token payload is not base64url: byte 0x0a at offset " + strconv.Itoa(len(p))},
		{"length 4n+1", h + "." + p + ".AAAAA", "token signature is not base64url: length 5 is impossible"},
		{"header not JSON", b64("nope") + "." + p + ".", "token header is not a JSON object: invalid JSON: expected a JSON object at offset 0"},
		{"payload array", h + "." + b64(`[1]`) + ".", "token payload is not a JSON object: invalid JSON: expected a JSON object at offset 0"},
		{"trailing data", h + "." + b64(payMin+"x") + ".", "token payload is not a JSON object: invalid JSON: unexpected data after the JSON object at offset 41"},
		{"empty header", "." + p + ".", "token header is not a JSON object: invalid JSON: expected a JSON object at offset 0"},
		{"too long", strings.Repeat("A", MaxTokenSize+1), "token is 65537 bytes, more than the 65536 allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse accepted %q: %+v", tc.in, tok)
			}
			if err.Error() != tc.want {
				t.Errorf("error = %q\nwant    %q", err, tc.want)
			}
			if !isErr(err, ErrMalformed) {
				t.Errorf("error does not match ErrMalformed")
			}
		})
	}
}

func TestParseWireForms(t *testing.T) {
	hp := b64(hdrPOOL) + "." + b64(payMin)
	tok, err := Parse(hp + ".")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Signature != nil || tok.SigningInput != hp || tok.Raw != hp+"." {
		t.Errorf("H.P. form: %+v", tok)
	}
	tok, err = ParseSigningInput(hp)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Raw != hp || tok.SigningInput != hp || tok.Kid != "POOL" || tok.Alg != "HS256" || !tok.HasKid {
		t.Errorf("H.P: %+v", tok)
	}
	if _, err := ParseSigningInput(hp + ".AAAA"); err == nil || err.Error() != "signing input has 3 segments, expected 2 (header.payload)" {
		t.Errorf("ParseSigningInput(full token) = %v", err)
	}
	// Non-zero trailing bits are tolerated (jwt-cpp does not check them).
	if _, err := Parse(hp + ".AB"); err != nil {
		t.Errorf("trailing bits: %v", err)
	}
}

func TestParseClaims(t *testing.T) {
	payload := `{"cap":false,"exp":1700000000.5,"iat":-3,"iss":"d\/x","jti":"j","n":null,"o":{"a":[1,2]},` +
		`"scope":"condor:/READ,condor:/WRITE  other\tcondor:/ADMINISTRATOR\u000b","sub":"` + "\xff\x01raw" + `\u00e9\ud83d\ude00",` +
		`"big":123456789012345678901,"f":1e3,"dup":1,"dup":"last","t":true}`
	// A raw control byte is not allowed in a JSON string; use the escaped one.
	payload = strings.Replace(payload, "\x01", `\u0001`, 1)
	tok, err := Parse(rawToken(hdrPOOL, payload, ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.ClaimsError(); err != nil {
		t.Fatal(err)
	}
	c := tok.Claims
	want := Claims{
		Iss: "d/x", Sub: "\xff\x01raw\u00e9\U0001F600", Jti: "j", HasIss: true, HasSub: true, HasJti: true,
		Iat: -3, HasIat: true, Exp: 1700000001, HasExp: true,
		Scope:  "condor:/READ,condor:/WRITE  other\tcondor:/ADMINISTRATOR\v",
		Scopes: []string{"condor:/READ", "condor:/WRITE", "other", "condor:/ADMINISTRATOR"},
		Authz:  []string{"READ", "WRITE", "ADMINISTRATOR"},
		Extra:  c.Extra,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	wantExtra := map[string]any{
		"cap": false, "exp": 1700000000.5, "iat": int64(-3), "iss": "d/x", "jti": "j", "n": nil,
		"o": map[string]any{"a": []any{int64(1), int64(2)}}, "scope": want.Scope, "sub": want.Sub,
		"big": 123456789012345678901.0, "f": 1000.0, "dup": "last", "t": true,
	}
	if diff := cmp.Diff(wantExtra, c.Extra); diff != "" {
		t.Errorf("Extra (-want +got):\n%s", diff)
	}
	wantAttrs := map[string]any{
		"cap": false, "exp": 1700000000.5, "iat": int64(-3), "iss": "d/x", "jti": "j", "scope": want.Scope,
		"sub": want.Sub, "big": 123456789012345678901.0, "f": 1000.0, "dup": "last", "t": true,
	}
	if diff := cmp.Diff(wantAttrs, ClaimsAttrs(tok.PayloadJSON)); diff != "" {
		t.Errorf("ClaimsAttrs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantAttrs, c.Attrs()); diff != "" {
		t.Errorf("Attrs (-want +got):\n%s", diff)
	}
	if ClaimsAttrs("[1]") != nil || ClaimsAttrs("{") != nil {
		t.Error("ClaimsAttrs accepted a non-object")
	}
	if tok.PayloadJSON != payload {
		t.Error("PayloadJSON is not the decoded bytes")
	}
}

func TestParseClaimTypeErrors(t *testing.T) {
	cases := []struct{ header, payload, want string }{
		{`{"alg":1,"kid":"POOL"}`, payMin, `token header member "alg" is a number, not a string`},
		{`{"alg":"HS256","kid":null}`, payMin, `token header member "kid" is null, not a string`},
		{hdrPOOL, `{"iss":["d"]}`, `token claim "iss" is an array, not a string`},
		{hdrPOOL, `{"sub":{}}`, `token claim "sub" is an object, not a string`},
		{hdrPOOL, `{"jti":5}`, `token claim "jti" is a number, not a string`},
		{hdrPOOL, `{"scope":true}`, `token claim "scope" is a boolean, not a string`},
		{hdrPOOL, `{"exp":"soon"}`, `token claim "exp" is a string, not a number`},
		{hdrPOOL, `{"iat":1e300}`, `token claim "iat" is a number, not a time in range`},
		{hdrPOOL, `{"cap":"yes"}`, `token claim "cap" is a string, not a boolean`},
	}
	for _, tc := range cases {
		tok, err := Parse(rawToken(tc.header, tc.payload, ""))
		if err != nil {
			t.Fatalf("Parse(%s %s): %v", tc.header, tc.payload, err)
		}
		err = tok.ClaimsError()
		if err == nil || err.Error() != tc.want || !isErr(err, ErrMalformed) {
			t.Errorf("ClaimsError(%s %s) = %v, want %s", tc.header, tc.payload, err, tc.want)
		}
	}
}

func TestJSONReader(t *testing.T) {
	deep := strings.Repeat("[", 99) + strings.Repeat("]", 99)
	ok := []string{
		`{}`, ` {"a" : [ 1 , -0 , 0.5e-3 , "x" , true , false , null , {} ] } `, `{"a":` + deep + `}`,
		`{"s":"\"\\\/\b\f\n\r\t\u0000\uFFFF"}`, "{\"raw\":\"\x7f\xc3\"}",
	}
	for _, s := range ok {
		if _, err := parseJSONObject(s); err != nil {
			t.Errorf("parseJSONObject(%q): %v", s, err)
		}
	}
	bad := []string{
		``, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":[1,]}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":+1}`,
		`{"a":1e}`, `{"a":-}`, `{"a":tru}`, `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12G4"}`, `{"a":"\udc00"}`,
		`{"a":"\ud800"}`, `{"a":"\ud800\u0041"}`, "{\"a\":\"\x1f\"}", `{"a":"unterminated`, `{"a":` + "[" + deep + "]" + `}`,
		`{"a":1e400}`, `{"a":1}}`, `{1:2}`, `{"a" 1}`, `{"a":[1 2]}`, `{"a":1 "b":2}`,
	}
	for _, s := range bad {
		if _, err := parseJSONObject(s); err == nil {
			t.Errorf("parseJSONObject(%q) accepted", s)
		}
	}
	v, err := parseJSONObject(`{"s":"\ud83d\ude00\u00e9\u0041","i":9223372036854775807,"j":9223372036854775808,"k":-9223372036854775808}`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"s": "\U0001F600éA", "i": int64(9223372036854775807), "j": 9223372036854775808.0, "k": int64(-9223372036854775808)}
	if diff := cmp.Diff(want, v); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

func TestAppendJSONString(t *testing.T) {
	in := "a/b\"c\\d\b\f\n\r\t\x00\x01\x1f\x7f é\xff<>&"
	want := `"a\/b\"c\\d\b\f\n\r\t\u0000\u0001\u001f\u007f é` + "\xff" + `<>&"`
	if got := string(appendJSONString(nil, in)); got != want {
		t.Fatalf("appendJSONString = %q\nwant %q", got, want)
	}
	// Round trip through the reader.
	v, err := parseJSONObject(`{"k":` + want + `}`)
	if err != nil || v["k"] != in {
		t.Fatalf("round trip = %q, %v", v["k"], err)
	}
}
