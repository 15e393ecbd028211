package classad

import (
	"bytes"
	"encoding/json"
	"testing"
)

// payload is a token payload as encoding/json decodes it by default
// (numbers as float64).
func payload(t *testing.T, js string, useNumber bool) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(js)))
	if useNumber {
		dec.UseNumber()
	}
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRevocationExamples: the SEC_TOKEN_REVOCATION_EXPR examples of the
// manual (tokens.md §6.3) against real-looking payloads.
func TestRevocationExamples(t *testing.T) {
	const alice = `{"iat":1588474719,"iss":"pool.example.com","jti":"c760c2af193a1fd4e40bc9c53c96ee7c",
		"scope":"condor:/READ condor:/WRITE","sub":"alice@pool.example.com","aud":["x"],"obj":{"a":1},"n":null}`
	const bob = `{"iat":1588474720,"iss":"pool.example.com","jti":"0123","sub":"bob@pool.example.com"}`
	tests := []struct {
		expr       string
		alice, bob bool
	}{
		{`sub =?= "alice@pool.example.com"`, true, false},
		{`sub =?= "alice@pool.example.com" && iat <= 1588474719`, true, false},
		{`jti =?= "c760c2af193a1fd4e40bc9c53c96ee7c"`, true, false},
		{`iat < 1588474720`, true, false},
		{`iat =?= 1588474719`, true, false},
		// Case-insensitive ==, case-sensitive =?=.
		{`sub == "ALICE@pool.example.com"`, true, false},
		{`sub =?= "ALICE@pool.example.com"`, false, false},
		// Not boolean-equivalent: treated as revoked.
		{`nosuchclaim == 1`, true, true},
		{`sub`, true, true},
		{`aud == "x"`, true, true},
		{`false`, false, false},
		{`isUndefined(aud) && isUndefined(obj) && isUndefined(n)`, true, true},
	}
	for _, useNumber := range []bool{false, true} {
		a, b := payload(t, alice, useNumber), payload(t, bob, useNumber)
		for _, tc := range tests {
			e := MustParseExpr(tc.expr)
			if got := TokenRevoked(e, a); got != tc.alice {
				t.Errorf("UseNumber=%v %s on alice = %v, want %v", useNumber, tc.expr, got, tc.alice)
			}
			if got := TokenRevoked(e, b); got != tc.bob {
				t.Errorf("UseNumber=%v %s on bob = %v, want %v", useNumber, tc.expr, got, tc.bob)
			}
		}
	}
	if TokenRevoked(Expr{}, payload(t, alice, false)) {
		t.Error("no expression revoked a token")
	}
	if !TokenRevoked(MustParseExpr("false"), map[string]any{"": "x", "sub": "a"}) {
		t.Error("a claim with an empty name did not revoke (isTokenRevoked inserts fail)")
	}
	if TokenRevoked(MustParseExpr("false"), map[string]any{"": []any{}, "sub": "a"}) {
		t.Error("a skipped claim with an empty name revoked")
	}
}

func TestAdFromClaims(t *testing.T) {
	ad := AdFromClaims(map[string]any{
		"b": true, "i": int64(5), "n": json.Number("7"), "f": 2.5, "w": float64(1588474719),
		"s": "x", "nf": json.Number("1.5"), "big": 1e300, "i32": int32(3), "arr": []any{1},
		"SUB": "upper", "sub": "lower", "bad=name": "x", "nil": nil,
		"u64": uint64(1) << 63, "u": uint(9), "i8": int8(-1),
	})
	want := map[string]Value{
		"b": BoolValue(true), "i": IntValue(5), "n": IntValue(7), "f": RealValue(2.5),
		"w": IntValue(1588474719), "s": StringValue("x"), "nf": RealValue(1.5),
		"big": RealValue(1e300), "i32": IntValue(3), "sub": StringValue("lower"),
		"u64": RealValue(9223372036854775808), "u": IntValue(9), "i8": IntValue(-1),
	}
	for name, w := range want {
		if e, ok := ad.Lookup(name); !ok {
			t.Errorf("%s missing", name)
		} else if v, _ := e.Literal(); !v.Equal(w) {
			t.Errorf("%s = %v, want %v", name, v, w)
		}
	}
	if ad.Len() != len(want) {
		t.Errorf("ad has %d attributes: %v", ad.Len(), ad.Names())
	}
	if sp, _ := ad.Spelling("sub"); sp != "SUB" {
		t.Errorf("first spelling = %q (sorted insertion)", sp)
	}
}
