package classad

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJSONListFormat: real-tools.md §20 block RL4 byte for byte, and the
// several-ads form of tokens.md §9.6.
func TestJSONListFormat(t *testing.T) {
	ad := requestAd(t)
	const rl4 = `[
{
  "AuthenticatedIdentity": "condor@htc.local",
  "ClientId": "<hostname>-755",
  "LimitAuthorization": "READ,WRITE",
  "PeerLocation": "127.0.0.1",
  "RequestedIdentity": "alice@htc.local",
  "RequestId": "0642594",
  "TokenLifetime": 3600
}
]
`
	if got := JSONListFormat(ad); got != rl4 {
		t.Errorf("RL4:\n%s", cmp.Diff(rl4, got))
	}
	second := NewAd()
	_ = second.SetString("RequestId", "1")
	_ = second.SetString("ClaimId", "private")
	want := "[\n" + strings.TrimPrefix(strings.TrimSuffix(rl4, "]\n"), "[\n") +
		",\n{\n  \"RequestId\": \"1\"\n}\n]\n"
	if got := JSONListFormat(ad, NewAd(), second); got != want {
		t.Errorf("two ads:\n%s", cmp.Diff(want, got))
	}
	if got := JSONListFormat(); got != "" {
		t.Errorf("no ads: %q", got)
	}
}

func TestMarshalJSON(t *testing.T) {
	ad, err := ParseOld(strings.Join([]string{
		`Name = "a\"b"`,
		`Int = -3`,
		`Real = 2.5`,
		`Whole = 1.0`,
		`Zero = 0.0`,
		`Big = 1e16`,
		`Bool = false`,
		`U = undefined`,
		`E = error`,
		`Expr = Int > 2 && Name =?= "x"`,
		`List = { 1, "two", Int }`,
		`Empty = {}`,
		`Nested = [ b = 2; a = { 3 } ]`,
		`Str = "tab` + "\t" + `ctl` + "\x01" + `/slash\back é"`,
		`Paren = (1)`,
		`Inf = real("INF")`,
	}, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	compact := `{"E": "\/Expr(error)\/","U": null,"Big": 1E+16,"Inf": "\/Expr(real(\"INF\"))\/","Int": -3,` +
		`"Str": "tab\tctl\u0001/slash\\back é","Bool": false,"Expr": "\/Expr(Int > 2 && Name is \"x\")\/",` +
		`"List": [1,"two","\/Expr(Int)\/"],"Name": "a\"b","Real": 2.5,"Zero": 0.0,"Empty": [],"Paren": "\/Expr((1))\/",` +
		`"Whole": 1.0,"Nested": {"a": [3],"b": 2}}`
	if got := string(ad.MarshalJSONCompact()); got != compact {
		t.Errorf("compact:\n%s", cmp.Diff(compact, got))
	}
	small, _ := ParseOld("B = { 1, [ x = 1 ] }\nA = {}\nC = [ ]")
	indented := `{
  "A": [
  ],
  "B": [
    1,
    {
      "x": 1
    }
  ],
  "C": {
  }
}`
	if got := string(small.MarshalJSONIndent(AlphabeticalOrder)); got != indented {
		t.Errorf("indented:\n%s", cmp.Diff(indented, got))
	}
	if got := string(NewAd().MarshalJSONCompact()); got != "{}" {
		t.Errorf("empty compact = %q", got)
	}
	if got := string(NewAd().MarshalJSONIndent(InsertionOrder)); got != "{\n}" {
		t.Errorf("empty indented = %q", got)
	}

	// ParseJSON reads both forms back to the same ad.
	for _, form := range [][]byte{ad.MarshalJSONCompact(), ad.MarshalJSONIndent(InsertionOrder)} {
		back, err := ParseJSON(form)
		if err != nil {
			t.Fatalf("ParseJSON(%s): %v", form, err)
		}
		if got, want := string(back.MarshalJSONCompact()), compact; got != want {
			t.Errorf("JSON round trip:\n%s", cmp.Diff(want, got))
		}
		if v := back.Get("Expr"); !v.Equal(BoolValue(false)) {
			t.Errorf("Expr after round trip = %v", v)
		}
		if r, _ := back.GetReal("Inf"); !math.IsInf(r, 1) {
			t.Errorf("Inf after round trip = %v", r)
		}
	}
}

func TestParseJSON(t *testing.T) {
	ad, err := ParseJSON([]byte(` {
	  "S": "x\u00e9\ud83d\ude00\/y\q",
	  "N": null, "T": TRUE, "I": -12, "R": -1.5e3,
	  "L": [ 1, [ ], { "k": "v" } ],,
	  "X": "\/expr(1 + 2)\/",
	  "NotExpr": "/Expr(1)/",
	  "Half": "\/Expr(1)"
	} `))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"S": "\"xé😀/yq\"", "N": "undefined", "T": "true", "I": "-12", "R": "-1500.0",
		"L": `{ 1,{  },[ k = "v" ] }`, "X": "1 + 2", "NotExpr": `"/Expr(1)/"`, "Half": `"\/Expr(1)"`,
	}
	for name, w := range want {
		e, ok := ad.Lookup(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if got := e.UnparseOld(); got != w && !(name == "Half" && got == `"/Expr(1)"`) {
			t.Errorf("%s = %s, want %s", name, got, w)
		}
	}
	if d := cmp.Diff([]string{"S", "N", "T", "I", "R", "L", "X", "NotExpr", "Half"}, ad.Names()); d != "" {
		t.Errorf("order: %s", d)
	}
	bad := map[string]string{
		``:                       "expected '{'",
		`[]`:                     "expected '{'",
		`{"a": 1`:                "expected ',' or '}'",
		`{"a" 1}`:                "expected ':'",
		`{a: 1}`:                 "attribute name",
		`{"a": 01}`:              "leading 0",
		`{"a": "\u0000"}`:        "invalid escape",
		`{"a": "\u12"}`:          "invalid escape",
		`{"a": undefined}`:       "JSON value",
		`{"a": "\/Expr(1 +)\/"}`: "Expr",
		`{"a": [1,]}`:            "JSON value",
		`{"": 1}`:                "invalid attribute name",
		`{"a": 1} x`:             "end of input",
		`{"a": 'x'}`:             "unexpected character",
		`{"a": ` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`: "nested",
	}
	for in, msg := range bad {
		if _, err := ParseJSON([]byte(in)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseJSON(%.40q) error = %v, want %q", in, err, msg)
		}
	}
}
